/**
 * `npm run build` as production runs it: the compiled entry points started with plain node from an
 * output directory outside the checkout (built-output.ts), on Postgres, Redis and RabbitMQ. The API
 * migrates a fresh database, serves health, the web app and a sign-in; the gateway opens a
 * ticket-authenticated terminal in a local lab sandbox and gives a late viewer the screen from its
 * compiled screen worker; the embedded app runs on PGlite with its demo; the workers start and stop;
 * every entry loads.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '@autolabs/server/auth/password';
import { loadEnv } from '@autolabs/common/config/env';
import { createDatabase } from '@autolabs/server/infra/database/open-database';
import { createFreshPostgres, type FreshDatabase } from '@autolabs/server/infra/database/testing/fresh-postgres';
import { silentLogger } from '@autolabs/server/infra/database/testing/silent-logger';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { labConfigSchema } from '@autolabs/server/labs/lab-config';
import { LocalRuntime } from '@autolabs/server/runtime/local/local-runtime';
import { GATEWAY_WS_PATH } from '@autolabs/gateway/protocol/wire';
import { mintOwnerTicket, mintViewerTicket } from '@autolabs/gateway/testing/test-tickets';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { ENTRIES } from '../../scripts/build/layout';
import { TEST_AMQP_URL, TEST_REDIS_URL } from '../setup/services';
import { deleteQueues } from './api-harness';
import { buildOutput, runCompiled, type BuiltOutput, type RunningProcess } from './built-output';

const LAB = labConfigSchema.parse({
  apiVersion: 'autolabs.io/v1',
  kind: 'Lab',
  metadata: { name: 'build-lab', title: 'Build lab' },
  spec: { containers: [{ name: 'shell', image: 'debian:12', terminal: true }] },
});
const PASSWORD = 'compiled and correct';
const QUEUE_PREFIX = `test-production-build-${randomBytes(4).toString('hex')}.`;

let built: BuiltOutput;
let fresh: FreshDatabase;
let dataDir: string;
let keys: CryptoKeyPair;
let env: Record<string, string>;
const running: RunningProcess[] = [];

function start(source: string, extra: Record<string, string> = {}, args: string[] = []): RunningProcess {
  const p = runCompiled(built.entry(source), built.dir, { ...env, ...extra }, args);
  running.push(p);
  return p;
}

async function stop(p: RunningProcess): Promise<number | null> {
  p.child.kill('SIGTERM');
  return p.exited;
}

beforeAll(async () => {
  built = await buildOutput();
  fresh = await createFreshPostgres('production_build');
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-build-data-'));
  keys = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    GATEWAY_PORT: '0',
    GATEWAY_SSH_PORT: '0',
    AUTOLABS_DATA_DIR: dataDir,
    DATABASE_URL: fresh.url,
    REDIS_URL: TEST_REDIS_URL,
    AMQP_URL: TEST_AMQP_URL,
    AMQP_QUEUE_PREFIX: QUEUE_PREFIX,
    TICKET_PRIVATE_KEY: await exportPKCS8(keys.privateKey),
    TICKET_PUBLIC_KEY: await exportSPKI(keys.publicKey),
    LOCAL_LAB_IMAGES: 'host',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
  };
}, 300_000);

afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await fresh?.drop();
  await deleteQueues(QUEUE_PREFIX);
  if (dataDir) removeDataDir(dataDir);
  if (built) await rm(built.dir, { recursive: true, force: true });
});

describe('production build', () => {
  it.each(ENTRIES.filter((e) => e.process))(
    'compiled $source loads every module and answers --help with its compiled command line',
    async ({ source }) => {
      const p = start(source, {}, ['--help']);
      expect(await p.exited).toBe(0);
      expect(p.output()).toContain(`   or: node --enable-source-maps dist/${source.replace(/\.ts$/, '.js')} [--help]`);
    },
  );

  it('compiled API migrates a fresh database, reports ready, serves the web app and signs a user in', async () => {
    const api = start('server/src/server.ts');
    const port = await api.listening();
    expect(api.output()).toContain('"migration":"20261126150000_init","msg":"migration applied"');
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', sessionStore: 'ok', queue: 'ok' } });
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/^<!doctype html>/i);

    const db = await createDatabase(loadEnv({ DATABASE_URL: fresh.url, AUTOLABS_DATA_DIR: dataDir }), silentLogger());
    await db.prisma.user.create({ data: { username: 'ada', displayName: 'Ada', role: 'student', passwordHash: await hashPassword(PASSWORD) } });
    await db.close();
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ada', password: PASSWORD }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    const me = await fetch(`${base}/api/trpc/me.get`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ result: { data: { username: 'ada', role: 'student' } } });
    expect(await stop(api)).toBe(0);
  }, 120_000);

  it('compiled gateway opens a ticket-authenticated terminal and gives a late viewer the screen from its worker thread', async () => {
    const gateway = start('gateway/src/server.ts');
    const port = await gateway.listening();
    const runtime = new LocalRuntime({ dataDir, log: pino({ level: 'silent' }) });
    const handle = await runtime.start({ instanceId: randomUUID(), ownerKey: 'student-1', labKey: 'build-lab', config: LAB });
    try {
      const url = `ws://127.0.0.1:${port}${GATEWAY_WS_PATH}`;
      const target = { kind: 'local-sandbox' as const, instanceId: handle.instanceId };
      const owner = await WireClient.connect({ url, ticket: await mintOwnerTicket(keys.privateKey, { labInstanceId: handle.instanceId, target }) });
      owner.type('echo compiled-$((40+2))\r');
      await owner.waitForText('compiled-42');
      const sid = owner.control('welcome')!.sessionId;

      const viewer = await WireClient.connect({ url, ticket: await mintViewerTicket(keys.privateKey, sid, { labInstanceId: handle.instanceId }) });
      await viewer.waitFor('the screen snapshot', () => viewer.snapshots === 1);
      expect(viewer.text).toContain('compiled-42');
      await viewer.close();
      await owner.close();
    } finally {
      await runtime.destroy(handle);
    }
    expect(await stop(gateway)).toBe(0);
  }, 120_000);

  it('compiled gateway on the Kubernetes runtime loads the Kubernetes client, a chunk imported lazily, and serves', async () => {
    const kubeconfig = path.join(dataDir, 'kubeconfig.yaml');
    // Only read at start: nothing is asked of this API server until a terminal opens.
    await writeFile(kubeconfig, ['apiVersion: v1', 'kind: Config', 'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]', 'users: [{name: u, user: {token: t}}]', 'contexts: [{name: c, context: {cluster: c, user: u}}]', 'current-context: c', ''].join('\n'));
    const gateway = start('gateway/src/server.ts', { LAB_RUNTIME: 'kubernetes', KUBECONFIG: kubeconfig });
    const port = await gateway.listening();
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(await stop(gateway)).toBe(0);
  }, 120_000);

  it('compiled embedded app runs on PGlite, seeds the demo from the copied lab configs and signs the admin in', async () => {
    const ownDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-build-embedded-'));
    try {
      const embedded = runCompiled(built.entry('embedded/src/embedded.ts'), built.dir, { HOST: '127.0.0.1', PORT: '0', GATEWAY_SSH_PORT: '0', AUTOLABS_DATA_DIR: ownDir, LOCAL_LAB_IMAGES: 'host', LOG_FORMAT: 'json' });
      running.push(embedded);
      const base = `http://127.0.0.1:${await embedded.listening()}`;
      const password = /admin +admin \/ (\S+)/.exec(await readFile(path.join(ownDir, 'demo-accounts.txt'), 'utf8'))?.[1];
      const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
      expect(login.status).toBe(200);
      const labs = await fetch(`${base}/api/trpc/labs.list`, { headers: { cookie: login.headers.get('set-cookie')?.split(';')[0] ?? '' } });
      const names = ((await labs.json()) as { result: { data: { name: string }[] } }).result.data.map((l) => l.name);
      expect(names.sort()).toEqual(['linux-basics', 'network-analysis', 'sql-injection']);
      expect(await stop(embedded)).toBe(0);
    } finally {
      removeDataDir(ownDir);
    }
  }, 120_000);

  it('compiled workers start on RabbitMQ and Postgres and exit 0 after SIGTERM', async () => {
    const workers = start('server/src/worker.ts');
    await waitFor('"workers started" logged', () => {
      if (workers.child.exitCode !== null) throw new Error(`the workers exited:\n${workers.output()}`);
      return workers.output().includes('"msg":"workers started"');
    }, 60_000);
    expect(await stop(workers)).toBe(0);
  }, 120_000);
});
