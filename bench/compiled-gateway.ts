/**
 * The gateway as production runs it, for `npm run bench -- --compiled`: gateway/src/server.ts and its
 * screen worker compiled by the build's own bundler (scripts/build/bundle.ts) from this tree or from an
 * earlier commit's copy (baseline-gateway.sh), started as the chart starts it (`node --enable-source-maps
 * gateway/src/server.js`, its environment validated, pino logging) on the local lab runtime with the
 * in-process session store and a local object store. Its terminals are local-sandbox targets of one fake
 * running instance whose recorded argv is the bench's plain bash, so the production backend opener is
 * used as is (it refuses the `pty` targets the tsx harness opens). A preloaded agent
 * (gateway-stats-agent.mjs) answers the bench's stats requests over IPC; nothing else is added.
 */
import { fork } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportSPKI, generateKeyPair } from 'jose';
import type { ChildOptions } from '@autolabs/gateway/testing/gateway-child';
import { requestStats, type GatewayProcess } from '@autolabs/gateway/testing/gateway-process';
import { GATEWAY_WS_PATH } from '@autolabs/gateway/protocol/wire';
import { bashTarget, mintOwnerTicket, mintViewerTicket } from '@autolabs/gateway/testing/test-tickets';
import { freePort } from '@autolabs/common/testing/free-port';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { instancePaths } from '@autolabs/common/lab-access/local/instance-paths';
import { writeInstanceState } from '@autolabs/common/lab-access/local/instance-state';
import { writeTerminalLaunch, type PtyLaunch } from '@autolabs/common/lab-access/local/sandbox-launch';
import { bundleEntry } from '../scripts/build/bundle';
import { ENTRIES, ROOT, distEntry } from '../scripts/build/layout';

const AGENT = fileURLToPath(new URL('./gateway-stats-agent.mjs', import.meta.url));
const INSTANCE = 'bench-shell';
const ORIGIN = 'http://app.test';

export interface CompiledGateway {
  /** The compiled gateway/src/server.js. */
  entry: string;
  remove(): Promise<void>;
}

/** Compiles the gateway's entries (the process and its screen worker) from `sourceRoot` into a temporary directory. */
export async function buildCompiledGateway(sourceRoot: string = ROOT): Promise<CompiledGateway> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'autolabs-bench-compiled-'));
  for (const entry of ENTRIES.filter((e) => e.source.startsWith('gateway/'))) await bundleEntry(entry, out, sourceRoot);
  // The bundles import npm packages from beside them, as from `npm install` in dist.
  await writeFile(path.join(out, 'package.json'), '{ "type": "module", "private": true }\n');
  await symlink(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'));
  return { entry: distEntry('gateway/src/server.ts', out), remove: () => rm(out, { recursive: true, force: true }) };
}

/** A data directory holding one running local instance whose terminal is the bench's shell. */
async function benchDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-bench-data-'));
  const paths = instancePaths(dir, INSTANCE);
  await mkdir(paths.root, { recursive: true });
  const now = new Date().toISOString();
  await writeInstanceState(paths.stateFile, { instanceId: INSTANCE, phase: 'running', configHash: 'bench', ownerKey: 'bench', labKey: 'bench', uid: null, createdAt: now, startedAt: now, stoppedAt: null });
  await writeTerminalLaunch(paths, bashTarget() as PtyLaunch);
  return dir;
}

export async function startCompiledGatewayProcess(entry: string, options: ChildOptions = {}): Promise<GatewayProcess> {
  if (options.creditWindowBytes !== undefined) throw new Error('the compiled gateway takes no fixed credit window: run --phases windows without --compiled');
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const dataDir = await benchDataDir();
  const port = await freePort();
  const child = fork(entry, [], {
    cwd: path.resolve(path.dirname(entry), '../../..'),
    // BENCH_GATEWAY_NODE_ARGS adds node flags to the gateway only, as for the tsx-run one.
    execArgv: ['--enable-source-maps', '--import', AGENT, ...(process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: os.homedir(),
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      GATEWAY_SSH_PORT: '0',
      AUTOLABS_DATA_DIR: dataDir,
      LAB_RUNTIME: 'local',
      TICKET_PUBLIC_KEY: await exportSPKI(publicKey),
      ALLOWED_ORIGINS: ORIGIN,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-8192)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor('the compiled gateway to answer /healthz', async () => {
    if (child.exitCode !== null) throw new Error(`the compiled gateway exited with ${child.exitCode}:\n${output}`);
    return fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
  }, 120_000);
  const sandbox = { labInstanceId: INSTANCE, target: { kind: 'local-sandbox' as const, instanceId: INSTANCE } };
  return {
    url: `ws://127.0.0.1:${port}${GATEWAY_WS_PATH}`,
    origin: ORIGIN,
    pid: child.pid ?? 0,
    ownerTicket: (claims) => mintOwnerTicket(privateKey, { ...sandbox, ...claims }),
    viewerTicket: (sid, claims) => mintViewerTicket(privateKey, sid, { labInstanceId: INSTANCE, ...claims }),
    stats: () => requestStats(child),
    close: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
