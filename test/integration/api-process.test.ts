/**
 * The API process itself (server/src/server.ts) on a fresh Postgres database: it migrates at start,
 * serves, and on SIGTERM finishes the request in flight before it exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshPostgres, type FreshDatabase } from '@autolabs/server/infra/database/testing/fresh-postgres';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';

const ROOT = path.resolve(import.meta.dirname, '../..');

let fresh: FreshDatabase;
let dataDir: string;
let child: ChildProcess;
const output: string[] = [];
let port = 0;

beforeAll(async () => {
  fresh = await createFreshPostgres('api_process');
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-api-process-'));
  child = spawn(process.execPath, ['--import', 'tsx', 'server/src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: fresh.url, AUTOLABS_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  await waitFor('the API to listen', () => /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.test(output.join('')), 60_000);
  port = Number(/Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output.join(''))?.[1]);
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await fresh?.drop();
  removeDataDir(dataDir);
});

describe('API process', () => {
  it('migrates the fresh database at start and reports ready', async () => {
    expect(output.join('')).toContain('"migration":"20261126150000_init","msg":"migration applied"');
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(res.status).toBe(200);
  });

  it('on SIGTERM finishes the request in flight, then exits 0 and stops listening', async () => {
    const body = JSON.stringify({ username: 'nobody', password: 'whatever-it-is' });
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/auth/login', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' } });
    const answered = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // The headers now: the API has the request in hand (it answers 100 Continue) when the signal comes.
    const inHand = once(req, 'continue');
    req.flushHeaders();
    await inHand;
    child.kill('SIGTERM');
    // The body once the API has stopped accepting connections, so it arrives while the API shuts down.
    await waitFor('the API to stop accepting connections', async () => !(await accepts(port)));
    req.end(body);
    expect(await answered).toBe(401);
    expect(await exited).toBe(0);
    expect(output.join('')).toContain('"signal":"SIGTERM","msg":"shutting down"');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});

/** Whether a TCP connection to the port is accepted now (closed again at once). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
