/**
 * What the lab image pipeline test runs against: `lab-images/build.sh` itself, Debian's docker-registry on a
 * free loopback port, and images unpacked with umoci whose main process runs as an ordinary process tree
 * (bubblewrap over the image's root file system, no container engine) in a network namespace of its own.
 * Probes (curl, psql) run from the host's side of that namespace, so the images need no client tools.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '@autolabs/common/testing/free-port';
import { sleep, waitFor } from '@autolabs/common/testing/wait-for';

const run = promisify(execFile);
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Fails, naming every missing tool, unless all are installed and we are root (debootstrap, unshare). */
export function requireTools(tools: string[]): void {
  const missing = tools.filter((t) => !hasCommand(t));
  if (missing.length > 0) throw new Error(`the lab image test needs these tools: ${missing.join(', ')} (see .ci/run)`);
  if (process.getuid?.() !== 0) throw new Error('the lab image test must run as root (debootstrap, unshare, chroot)');
}

export function hasCommand(name: string): boolean {
  return execFileSync('sh', ['-c', 'command -v "$1" || true', 'sh', name], { encoding: 'utf8' }).trim() !== '';
}

/** Runs `npm run images` (lab-images/build.sh) with extra env; resolves with what it printed. */
export async function buildImages(env: Record<string, string>): Promise<string> {
  const child = spawn('bash', [path.join(REPO, 'lab-images/build.sh')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`lab-images/build.sh exited with ${code}:\n${output}`);
  // The per-image lines (built or cached, seconds, size) belong in the test log: CI's build time is there.
  process.stderr.write(`${output.split('\n').filter((l) => l.startsWith('[images]')).join('\n')}\n`);
  return output;
}

export interface Registry {
  address: string;
  stop(): Promise<void>;
}

/** Debian's registry:2 on 127.0.0.1, plain http, storage in `dir`. */
export async function startRegistry(dir: string): Promise<Registry> {
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(config, `version: 0.1\nlog: { level: error }\nstorage:\n  filesystem: { rootdirectory: ${dir}/data }\nhttp: { addr: 127.0.0.1:${port} }\n`);
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(`docker-registry on port ${port}`, () => fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok, () => false), 20_000);
  return {
    address: `127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function skopeoInspect(...args: string[]): Promise<{ Digest: string }> {
  const { stdout } = await run('skopeo', ['inspect', ...args], { maxBuffer: 16 << 20 });
  return JSON.parse(stdout) as { Digest: string };
}

/** The image's OCI config (`skopeo inspect --config`): what it runs, as whom, which ports it exposes. */
export async function imageConfig(ref: string): Promise<{ User?: string; ExposedPorts?: Record<string, object> }> {
  const { stdout } = await run('skopeo', ['inspect', '--config', ref], { maxBuffer: 16 << 20 });
  return (JSON.parse(stdout) as { config: { User?: string; ExposedPorts?: Record<string, object> } }).config;
}

export interface ImageBundle {
  rootfs: string;
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
}

/** `umoci unpack` of `<layout>:<ref>` into `dir`, with the process the image's config describes. */
export async function unpackImage(layout: string, ref: string, dir: string): Promise<ImageBundle> {
  await run('umoci', ['unpack', '--image', `${layout}:${ref}`, dir]);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
    process: { args: string[]; env: string[]; cwd: string; user: { uid: number; gid: number } };
  };
  const { args, env, cwd, user } = spec.process;
  return { rootfs: path.join(dir, 'rootfs'), args, env, cwd, uid: user.uid, gid: user.gid };
}

/** Runs a shell script inside the image's root file system (chroot, as root); resolves with its stdout. */
export async function inImage(bundle: ImageBundle, script: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('chroot', [bundle.rootfs, '/bin/sh', '-c', script, 'sh', ...args], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  return stdout;
}

export interface RunningImage {
  /** Runs `cmd` on the host in the image's network namespace until it succeeds; resolves with its stdout. */
  probe(cmd: string[], env?: Record<string, string>): Promise<string>;
  /** Runs `cmd` once in that namespace; resolves with its exit code and output. */
  once(cmd: string[], env?: Record<string, string>): Promise<{ code: number; output: string }>;
  stop(): Promise<void>;
}

/**
 * Starts the image's main process as the image's user, with the image's env and working dir, plus `env`:
 * bubblewrap over the root file system (a fresh /tmp and /proc, its own PID namespace) in a new network
 * namespace that has only `lo`.
 */
export async function runImage(bundle: ImageBundle, env: Record<string, string> = {}): Promise<RunningImage> {
  const holder = spawn('unshare', ['--net', 'sh', '-c', 'ip link set lo up && exec sleep infinity'], { stdio: 'ignore' });
  const ownNet = fs.readlinkSync('/proc/self/ns/net');
  const netns = `/proc/${holder.pid}/ns/net`;
  await waitFor('a network namespace for the image', () => fs.readlinkSync(netns) !== ownNet);
  const drop = bundle.uid === 0 ? [] : ['/usr/bin/setpriv', `--reuid=${bundle.uid}`, `--regid=${bundle.gid}`, '--clear-groups', '--'];
  const vars = [...bundle.env, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
  const sandbox = ['bwrap', '--bind', bundle.rootfs, '/', '--proc', '/proc', '--dev', '/dev', '--perms', '1777', '--tmpfs', '/tmp'];
  // Output to a file, as container engines and the local runtime's supervisor give a file or a pipe: nginx
  // and Apache open /dev/stdout, which a socket (Node's 'pipe') does not allow.
  const logFile = path.join(path.dirname(bundle.rootfs), 'main.log');
  const out = fs.openSync(logFile, 'w');
  const main: ChildProcess = spawn(
    'nsenter',
    [`--net=${netns}`, ...sandbox, '--unshare-pid', '--die-with-parent', '--chdir', bundle.cwd, '--', ...drop, '/usr/bin/env', '-i', ...vars, ...bundle.args],
    { stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  const log = () => fs.readFileSync(logFile, 'utf8');
  const once = async (cmd: string[], extra: Record<string, string> = {}) => {
    try {
      const { stdout, stderr } = await run('nsenter', [`--net=${netns}`, ...cmd], { env: { ...process.env, ...extra }, timeout: 15_000 });
      return { code: 0, output: stdout + stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof err.code === 'number' ? err.code : -1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  };
  return {
    once,
    async probe(cmd, extra = {}) {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const result = await once(cmd, extra);
        if (result.code === 0) return result.output;
        if (main.exitCode !== null || Date.now() > deadline) {
          throw new Error(`${cmd.join(' ')} never succeeded (${result.output.trim()}); the image's main process said:\n${log()}`);
        }
        await sleep(300);
      }
    },
    async stop() {
      for (const p of [main, holder]) {
        if (p.exitCode === null && p.signalCode === null) {
          const gone = new Promise((resolve) => p.once('exit', resolve));
          p.kill('SIGKILL');
          await gone;
        }
      }
    },
  };
}
