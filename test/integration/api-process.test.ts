/**
 * The API process itself (server/src/server.ts) on a fresh Postgres database: it migrates at start,
 * serves, and on SIGTERM finishes the request in flight before it exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshPostgres, type FreshDatabase } from '@autolabs/server/infra/database/testing/fresh-postgres';
import { waitFor } from '@autolabs/server/infra/testing/wait-for';
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
    const answered = new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/auth/login', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      // Half the body now: the request is in flight when the signal arrives.
      req.write(body.slice(0, 10));
      setTimeout(() => {
        child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 500);
      }, 300);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    expect(await answered).toBe(401);
    expect(await exited).toBe(0);
    expect(output.join('')).toContain('"signal":"SIGTERM","msg":"shutting down"');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
