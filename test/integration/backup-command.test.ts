/**
 * The documented commands, run as an operator runs them (`npm run backup`, `npm run restore -- <object>`)
 * in child processes: on Postgres and on the embedded database, into the embedded object store. Every
 * row comes back; a refusal prints one line with its code and exits 1, changing nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWKWARD_TEXT, openSeededDatabase, snapshotTables } from '../../server/src/backups/testing/backup-fixture';
import { loadEnv, type Env } from '@autolabs/common/config/env';
import { createDatabase } from '../../server/src/infra/database/open-database';
import { createFreshPostgres, type FreshDatabase } from '../../server/src/infra/database/testing/fresh-postgres';
import { silentLogger } from '../../server/src/infra/database/testing/silent-logger';
import { LocalDirObjectStore } from '@autolabs/common/object-store/local-dir-object-store';
import { TEST_DATABASE_URL } from '../setup/services';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function npmRun(script: 'backup' | 'restore', args: string[], env: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The time a backup's key carries, as the restore prints it. */
function takenAt(key: string): string {
  const m = /(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z/.exec(key);
  return m ? `${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z` : '';
}

async function rowsOf(env: Env): Promise<Record<string, string[]>> {
  const db = await createDatabase(env, silentLogger());
  try {
    return await snapshotTables(db);
  } finally {
    await db.close();
  }
}

describe('npm run backup / npm run restore on Postgres', () => {
  let dataDir: string;
  let fresh: FreshDatabase;
  let vars: Record<string, string>;
  let env: Env;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-backup-cmd-pg-'));
    fresh = await createFreshPostgres('backup_cmd');
    vars = { DATABASE_URL: fresh.url, AUTOLABS_DATA_DIR: dataDir, BACKUP_KEEP: '3' };
    env = loadEnv(vars);
    await (await openSeededDatabase(env)).close();
  });

  afterAll(async () => {
    await fresh?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a backup bucket that does not exist, naming it and what to do, with exit 1', async () => {
    const out = await npmRun('backup', [], vars);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^autolabs-backup: BACKUP_TARGET_REFUSED: cannot list the backups: the bucket "backups" does not exist: create it .*set BACKUP_BUCKET/m);
  });

  it('backs up, lists, and after the database is lost restores every row with `latest`', async () => {
    const before = await rowsOf(env);
    // The workers create the bucket on start; here it is created as an operator would on a fresh store.
    await new LocalDirObjectStore({ root: path.join(dataDir, 'objects') }).ensureBucket('backups', { versioned: true });

    const backup = await npmRun('backup', [], vars);
    expect(backup).toMatchObject({ code: 0, stdout: expect.stringMatching(/^stored database\/\S+-postgres\.backup \(\d+ bytes\) in the bucket "backups"\n$/) });
    const key = /stored (\S+)/.exec(backup.stdout)?.[1] as string;
    const list = await npmRun('backup', ['--list'], vars);
    expect(list).toMatchObject({ code: 0, stdout: expect.stringContaining(`${key}  `) });

    await fresh.drop();
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${fresh.name}"`);
    await admin.end();

    const restore = await npmRun('restore', ['latest'], vars);
    expect(restore.code).toBe(0);
    expect(restore.stdout).toBe(`restored ${key} (taken ${takenAt(key)})\n`);
    expect(await rowsOf(env)).toEqual(before);
    expect(before.users.some((row) => row.includes(JSON.stringify(AWKWARD_TEXT).slice(1, -1)))).toBe(true);
  }, 120_000);

  it('refuses a restore without an object, or of one that is not there, with a line saying what to name', async () => {
    expect(await npmRun('restore', [], vars)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^autolabs-restore: restore needs exactly one backup: a key that `npm run backup -- --list` prints, or latest; try --help\n$/) });
    expect(await npmRun('restore', ['database/nope.backup'], vars)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^autolabs-restore: NOT_FOUND: there is no backup "database\/nope.backup" in the bucket "backups"/m) });
  });
});

describe('npm run backup / npm run restore on the embedded database', () => {
  let dataDir: string;
  let vars: Record<string, string>;
  let env: Env;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-backup-cmd-pglite-'));
    vars = { AUTOLABS_DATA_DIR: dataDir };
    env = loadEnv(vars);
    await (await openSeededDatabase(env)).close();
    await new LocalDirObjectStore({ root: path.join(dataDir, 'objects') }).ensureBucket('backups', { versioned: true });
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('backs up with AutoLabs stopped, refuses while it runs, and restores a lost data directory row for row', async () => {
    const before = await rowsOf(env);
    const backup = await npmRun('backup', [], vars);
    expect(backup).toMatchObject({ code: 0, stdout: expect.stringMatching(/^stored database\/\S+-pglite\.backup/) });

    const open = await createDatabase(env, silentLogger());
    try {
      expect(await npmRun('backup', [], vars)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^autolabs-backup: DATABASE_IN_USE: AutoLabs is running on .*stop it to take a backup by hand/m) });
      expect(await npmRun('restore', ['latest'], vars)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^autolabs-restore: DATABASE_IN_USE: .*stop AutoLabs \(npm start\)/m) });
    } finally {
      await open.close();
    }

    await rm(path.join(dataDir, 'db'), { recursive: true });
    expect(await npmRun('restore', ['latest'], vars)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^restored database\/\S+-pglite\.backup/) });
    expect(await rowsOf(env)).toEqual(before);
  }, 180_000);
});
