/**
 * The worker process entry (server/src/worker.ts) as operators run it: it starts on the services chosen
 * from the environment, shuts down cleanly on SIGTERM, serves /metrics behind METRICS_TOKEN, and refuses to
 * start, in one line naming the package to install, when bubblewrap is missing.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshPostgres, type FreshDatabase } from '../../server/src/infra/database/testing/fresh-postgres';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';
import { expectRefused, sample, scrape } from './metrics-scrape';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function runWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/worker.ts'], {
    cwd: repoRoot,
    env: { HOME: os.homedir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out, exit };
}

describe('worker process', () => {
  let db: FreshDatabase;
  let dataDir: string;

  beforeAll(async () => {
    db = await createFreshPostgres('workers_process');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-worker-proc-'));
  });
  afterAll(async () => {
    await db?.drop();
    removeDataDir(dataDir);
  });

  it('starts on the configured services and exits 0 after a graceful SIGTERM', async () => {
    const w = runWorker({ PATH: process.env.PATH ?? '/usr/bin:/bin', DATABASE_URL: db.url, AUTOLABS_DATA_DIR: dataDir, LOG_LEVEL: 'info', LOCAL_LAB_IMAGES: 'host' });
    await waitFor('"workers started" logged', () => w.out.stdout.includes('"msg":"workers started"'), 30_000);
    w.child.kill('SIGTERM');
    // Exit code 0 (not death by signal) means the SIGTERM handler closed workers and services without error.
    expect(await w.exit).toBe(0);
  });

  it('with METRICS_TOKEN serves /metrics on WORKER_METRICS_PORT to that token only: instance phases and queue depths read at the scrape', async () => {
    const token = 'worker-scrape-token-0123456789';
    const w = runWorker({
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      DATABASE_URL: db.url,
      AUTOLABS_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      LOCAL_LAB_IMAGES: 'host',
      METRICS_TOKEN: token,
      WORKER_METRICS_PORT: '0',
      HOST: '127.0.0.1',
    });
    try {
      await waitFor('"workers started" logged', () => w.out.stdout.includes('"msg":"workers started"'), 30_000);
      const port = Number(/listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(w.out.stdout)?.[1]);
      const url = `http://127.0.0.1:${port}/metrics`;
      await expectRefused(url);
      const text = await scrape(url, token);
      expect(sample(text, 'autolabs_lab_instances', { phase: 'running' })).toBe(0);
      expect(sample(text, 'autolabs_queue_depth', { queue: 'lab.start', state: 'ready' })).toBe(0);
      expect(sample(text, 'autolabs_queue_depth', { queue: 'lab.start', state: 'dead' })).toBe(0);
      expect(text).toContain('autolabs_process_cpu_user_seconds_total');
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      w.child.kill('SIGTERM');
    }
    expect(await w.exit).toBe(0);
  });

  it('refuses to start without bubblewrap, naming the Debian package in one line', async () => {
    const w = runWorker({ PATH: '/nonexistent-bin', DATABASE_URL: db.url, AUTOLABS_DATA_DIR: dataDir, LOG_LEVEL: 'silent', LOCAL_LAB_IMAGES: 'host' });
    expect(await w.exit).toBe(1);
    expect(w.out.stderr.trim()).toBe('autolabs-worker: RUNTIME_UNAVAILABLE: bubblewrap (bwrap) is not installed: install the Debian package "bubblewrap"');
  });
});
