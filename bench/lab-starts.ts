/**
 * `npm run bench:labs`: how long each bundled lab takes to start in the local runtime, from Start to the
 * first byte of the student's prompt. Pod mode (every container from its image) first in a fresh data
 * directory (images unpacked from `npm run images`' layout) and then cached (images already unpacked),
 * beside host mode (the host's files stand in for the image) measured in the same run as the baseline.
 * Needs root and the images (`npm run images`). Prints a table; not a test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as pty from 'node-pty';
import pino from 'pino';
import { parseLabConfig, type LabConfig } from '@autolabs/server/labs/lab-config';
import { ImageStore } from '@autolabs/server/runtime/local/images/image-store';
import { LocalRuntime } from '@autolabs/server/runtime/local/local-runtime';
import { CONTAINER_UID_BASE } from '@autolabs/server/runtime/local/pod/pod-namespaces';
import { readTerminalLaunch } from '@autolabs/common/lab-access/local/sandbox-launch';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';

const LABS = ['linux-basics', 'network-analysis', 'sql-injection'];
const LAYOUT = path.join(process.env.AUTOLABS_DATA_DIR ?? path.join(os.homedir(), '.autolabs'), 'images', 'local');
const log = pino({ level: 'silent' });

/** Milliseconds from spawning the recorded terminal to its first output byte. */
function firstPromptByte(argv: string[], env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const term = pty.spawn(argv[0], argv.slice(1), { env, cwd: '/', cols: 80, rows: 24 });
    term.onData(() => {
      resolve(performance.now() - t0);
      term.kill('SIGKILL');
    });
  });
}

async function startOnce(runtime: LocalRuntime, dataDir: string, config: LabConfig): Promise<{ running: number; prompt: number }> {
  const t0 = performance.now();
  const handle = await runtime.start({ instanceId: randomUUID(), ownerKey: 'bench', labKey: config.metadata.name, config });
  const running = performance.now() - t0;
  const launch = await readTerminalLaunch(dataDir, handle.instanceId);
  const prompt = running + (await firstPromptByte(launch.argv, launch.env));
  await runtime.destroy(handle);
  return { running, prompt };
}

if (!fs.existsSync(path.join(LAYOUT, 'index.json'))) {
  process.stderr.write(`no lab images in ${LAYOUT}: run \`npm run images\` first\n`);
  process.exit(2);
}
const rows: string[][] = [['lab', 'mode', 'to Running (s)', 'to first prompt byte (s)']];
for (const name of LABS) {
  const config = parseLabConfig(fs.readFileSync(path.resolve('lab-configs', `${name}.yaml`), 'utf8'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-bench-labs-'));
  try {
    fs.cpSync(LAYOUT, path.join(dataDir, 'images', 'local'), { recursive: true });
    const images = new ImageStore({ dataDir, registry: { rewrites: [], insecure: [], authFile: null }, uidBase: CONTAINER_UID_BASE, log });
    const pod = new LocalRuntime({ dataDir, log, images });
    const host = new LocalRuntime({ dataDir, log });
    for (const [mode, runtime] of [['pod, first start', pod], ['pod, cached', pod], ['host (baseline)', host]] as const) {
      const { running, prompt } = await startOnce(runtime, dataDir, config);
      rows.push([name, mode, (running / 1000).toFixed(2), (prompt / 1000).toFixed(2)]);
      process.stderr.write(`  ${rows.at(-1)?.join(' | ')}\n`);
    }
  } finally {
    removeDataDir(dataDir);
  }
}
process.stdout.write(`${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`);
