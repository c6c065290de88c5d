/**
 * The standalone gateway process (gateway/src/server.ts) as operators run it: configuration from the
 * environment (Redis session store, public key in TICKET_PUBLIC_KEY), and a graceful stop on SIGTERM
 * that closes terminals with the "server shutting down" code, and /metrics for a scraper holding METRICS_TOKEN.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportSPKI, generateKeyPair } from 'jose';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisSessionStore } from '@autolabs/common/session-store/redis-session-store';
import { mintOwnerTicket, mintViewerTicket } from '@autolabs/gateway/testing/test-tickets';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { CloseCode, GATEWAY_WS_PATH } from '@autolabs/gateway/protocol/wire';
import { TEST_REDIS_URL } from '../setup/services';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';
import { labConfigSchema } from '@autolabs/server/labs/lab-config';
import { LocalRuntime } from '@autolabs/server/runtime/local/local-runtime';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { expectRefused, sample, scrape } from './metrics-scrape';

const LAB = labConfigSchema.parse({
  apiVersion: 'autolabs.io/v1',
  kind: 'Lab',
  metadata: { name: 'proc-lab', title: 'Process lab' },
  spec: { containers: [{ name: 'shell', image: 'debian:12', terminal: true }] },
});

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-gw-proc-'));
let child: ChildProcess | null = null;
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  removeDataDir(dataDir);
});

function startProcess(env: Record<string, string>): Promise<{ port: number; output: () => string }> {
  child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/server.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: os.homedir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 30_000);
    child?.stdout?.on('data', () => {
      const m = output.match(/listening at http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), output: () => output });
      }
    });
    child?.once('exit', (code) => reject(new Error(`gateway exited with ${code}:\n${output}`)));
  });
}

describe('standalone gateway process', () => {
  it('serves terminals with a Redis store and closes them with SHUTTING_DOWN on SIGTERM, logging no ticket', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const { port, output } = await startProcess({
      AUTOLABS_DATA_DIR: dataDir,
      GATEWAY_PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL: TEST_REDIS_URL,
      TICKET_PUBLIC_KEY: await exportSPKI(publicKey),
      ALLOWED_ORIGINS: 'http://app.test',
      LOG_LEVEL: 'info',
    });
    // A real lab sandbox: the production gateway opens terminals only through the local runtime's record.
    const runtime = new LocalRuntime({ dataDir, log: pino({ level: 'silent' }) });
    const handle = await runtime.start({ instanceId: randomUUID(), ownerKey: 'student-1', labKey: 'proc-lab', config: LAB });
    const ticket = await mintOwnerTicket(privateKey, { labInstanceId: handle.instanceId, target: { kind: 'local-sandbox', instanceId: handle.instanceId } });
    const client = await WireClient.connect({ url: `ws://127.0.0.1:${port}${GATEWAY_WS_PATH}`, ticket, origin: 'http://app.test' });
    client.type('echo proc-$((40+2))\r');
    await client.waitForText('proc-42');
    const sid = client.control('welcome')!.sessionId;
    const shared = new RedisSessionStore({ url: TEST_REDIS_URL });
    expect((await shared.get(sid))?.state).toBe('live');

    const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
    child?.kill('SIGTERM');
    expect((await client.closed).code).toBe(CloseCode.SHUTTING_DOWN);
    expect(await exited).toBe(0);
    expect(output()).not.toContain(ticket);
    expect(await shared.get(sid)).toBeNull();
    await shared.close();
    await runtime.destroy(handle);
  }, 60_000);

  it('answers HTTP with nosniff, DENY and a deny-all policy, and counts waiting sockets by the client a trusted proxy names', async () => {
    const { publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const { port } = await startProcess({
      AUTOLABS_DATA_DIR: dataDir,
      GATEWAY_PORT: '0',
      HOST: '127.0.0.1',
      TICKET_PUBLIC_KEY: await exportSPKI(publicKey),
      TRUST_PROXY: '127.0.0.1',
      GATEWAY_MAX_PENDING_PER_CLIENT: '1',
      LOG_LEVEL: 'info',
    });
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('x-frame-options')).toBe('DENY');
    expect(health.headers.get('content-security-policy')).toMatch(/^default-src 'none';.*frame-ancestors 'none'/);

    const sockets: WebSocket[] = [];
    const upgrade = (client: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}${GATEWAY_WS_PATH}`, { headers: { 'x-forwarded-for': client } });
        sockets.push(ws);
        ws.on('error', () => undefined);
        ws.once('upgrade', () => resolve(101));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      });
    expect(await upgrade('198.51.100.1')).toBe(101);
    expect(await upgrade('198.51.100.1')).toBe(429);
    expect(await upgrade('198.51.100.2')).toBe(101);
    for (const ws of sockets) ws.terminate();

    const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
    child?.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);

  it('serves /metrics to a scraper with METRICS_TOKEN only: sessions, owner and viewer connections, attach times and terminal bytes follow a terminal in use', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const token = 'gateway-scrape-token-0123456789';
    const { port } = await startProcess({
      AUTOLABS_DATA_DIR: dataDir,
      GATEWAY_PORT: '0',
      HOST: '127.0.0.1',
      TICKET_PUBLIC_KEY: await exportSPKI(publicKey),
      ALLOWED_ORIGINS: 'http://app.test',
      METRICS_TOKEN: token,
      LOG_LEVEL: 'info',
    });
    const url = `http://127.0.0.1:${port}/metrics`;
    await expectRefused(url);
    const idle = await scrape(url, token);
    expect(sample(idle, 'autolabs_gateway_sessions')).toBe(0);
    expect(sample(idle, 'autolabs_gateway_clients', { role: 'owner' })).toBe(0);
    expect(sample(idle, 'autolabs_gateway_bytes_total', { direction: 'output' })).toBe(0);

    const runtime = new LocalRuntime({ dataDir, log: pino({ level: 'silent' }) });
    const handle = await runtime.start({ instanceId: randomUUID(), ownerKey: 'student-1', labKey: 'proc-lab', config: LAB });
    const wsUrl = `ws://127.0.0.1:${port}${GATEWAY_WS_PATH}`;
    const ownerTicket = await mintOwnerTicket(privateKey, { labInstanceId: handle.instanceId, target: { kind: 'local-sandbox', instanceId: handle.instanceId } });
    const owner = await WireClient.connect({ url: wsUrl, ticket: ownerTicket, origin: 'http://app.test' });
    const typed = 'printf "%0.s=" $(seq 1 4000); echo; echo bytes-$((40+2))\r';
    owner.type(typed);
    await owner.waitForText('bytes-42');
    const sid = owner.control('welcome')!.sessionId;
    const owned = await scrape(url, token);
    expect(sample(owned, 'autolabs_gateway_sessions')).toBe(1);
    expect(sample(owned, 'autolabs_gateway_clients', { role: 'owner' })).toBe(1);
    expect(sample(owned, 'autolabs_gateway_clients', { role: 'viewer' })).toBe(0);
    expect(sample(owned, 'autolabs_gateway_attach_duration_seconds_count', { mode: 'owner' })).toBe(1);
    expect(sample(owned, 'autolabs_gateway_bytes_total', { direction: 'input' })).toBe(Buffer.byteLength(typed));
    // The echo of the command line and 4,000 '=' at least.
    expect(sample(owned, 'autolabs_gateway_bytes_total', { direction: 'output' })).toBeGreaterThan(4000 + typed.length);

    const viewerTicket = await mintViewerTicket(privateKey, sid, { labInstanceId: handle.instanceId });
    const viewer = await WireClient.connect({ url: wsUrl, ticket: viewerTicket, origin: 'http://app.test' });
    expect(viewer.control('welcome')?.mode).toBe('viewer');
    const watched = await scrape(url, token);
    expect(sample(watched, 'autolabs_gateway_clients', { role: 'viewer' })).toBe(1);
    expect(sample(watched, 'autolabs_gateway_attach_duration_seconds_count', { mode: 'viewer' })).toBe(1);
    // Output is counted once per session, not once per connection that receives it.
    const beforeEcho = sample(watched, 'autolabs_gateway_bytes_total', { direction: 'output' })!;
    owner.type('echo once-$((6*7))\r');
    await Promise.all([owner.waitForText('once-42'), viewer.waitForText('once-42')]);
    const grown = sample(await scrape(url, token), 'autolabs_gateway_bytes_total', { direction: 'output' })! - beforeEcho;
    expect(grown).toBeGreaterThan(0);
    expect(grown).toBeLessThan(200);

    await viewer.close();
    await owner.close();
    await waitFor('the viewer and the owner counted gone', async () => {
      const after = await scrape(url, token);
      return sample(after, 'autolabs_gateway_clients', { role: 'viewer' }) === 0 && sample(after, 'autolabs_gateway_clients', { role: 'owner' }) === 0;
    });
    const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
    child?.kill('SIGTERM');
    expect(await exited).toBe(0);
    await runtime.destroy(handle);
  }, 60_000);

  it('stops with one line naming the variable when the configuration is bad', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/server.ts'], {
      env: { PATH: process.env.PATH ?? '', GATEWAY_PORT: 'not-a-port', AUTOLABS_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    proc.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/GATEWAY_PORT/);
  }, 30_000);
});
