/**
 * The production build as a test or benchmark gets it: `scripts/build/build.ts` run into a temporary
 * directory outside the checkout, whose node_modules holds only the packages its package.json names
 * (linked to this checkout's installed copies, as `npm install --omit=dev` would place them). From there
 * nothing resolves from the sources: a file the build forgot, or a package it does not list, fails.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { ROOT, distEntry } from '../../scripts/build/layout';

export interface BuiltOutput {
  dir: string;
  /** Absolute path of a source entry's compiled file ("server/src/server.ts" -> <dir>/server/src/server.js). */
  entry(source: string): string;
}

export async function buildOutput(): Promise<BuiltOutput> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-dist-'));
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/build/build.ts', '--out', dir], { cwd: ROOT, maxBuffer: 16 << 20 });
  const { dependencies } = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const name of Object.keys(dependencies)) {
    const link = path.join(dir, 'node_modules', name);
    await mkdir(path.dirname(link), { recursive: true });
    await symlink(path.join(ROOT, 'node_modules', name), link);
  }
  return { dir, entry: (source) => distEntry(source, dir) };
}

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** The port from the "listening at http://127.0.0.1:<port>" line, once logged. */
  listening(timeoutMs?: number): Promise<number>;
}

/** Starts a compiled entry the way the chart does: plain node with source maps, from the output directory. */
export function runCompiled(file: string, cwd: string, env: Record<string, string>, args: string[] = []): RunningProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', file, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.homedir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = async (timeoutMs = 60_000) => {
    const line = /listening at http:\/\/127\.0\.0\.1:(\d+)/;
    try {
      await waitFor(`${file} to listen`, () => {
        if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}`);
        return line.test(output);
      }, timeoutMs);
    } catch (e) {
      throw new Error(`${(e as Error).message}; its output:\n${output}`);
    }
    return Number(line.exec(output)?.[1]);
  };
  return { child, output: () => output, exited, listening };
}
