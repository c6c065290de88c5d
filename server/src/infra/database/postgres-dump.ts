/**
 * Backups of a Postgres database with the server's own tools (postgresql-client): `pg_dump` for a dump
 * taken while the platform runs (one snapshot, so consistent), `psql` to restore it. The dump is plain SQL,
 * so an operator can read it or restore it by hand (`gunzip | psql`).
 *
 * A restore runs as ONE transaction: the `public` schema is dropped and recreated, then the dump runs,
 * with ON_ERROR_STOP. Any failure rolls everything back, so the database is either the dump's or exactly
 * what it was. Before that the dump is unpacked whole into a temporary file and must end with pg_dump's
 * completion line: psql commits whatever it read when its input ends, so it never reads a stream that might
 * stop early.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import { AppError } from '@autolabs/common/errors/app-error';

const DUMP_COMPLETE = '-- PostgreSQL database dump complete';

/** The URL without its password, and the password for PGPASSWORD: a password on a command line is visible in `ps`. */
function connection(url: string): { url: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { url: u.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}), PGCONNECT_TIMEOUT: '10' } };
}

/** Runs a postgresql-client tool; rejects with its last stderr lines (never the URL's password: it is not on the command line). */
function runTool(tool: 'pg_dump' | 'psql', args: string[], env: NodeJS.ProcessEnv, stdout?: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env, stdio: ['ignore', stdout ? 'pipe' : 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    const piped = stdout && child.stdout ? pipeline(child.stdout, stdout) : Promise.resolve();
    child.once('error', (e: NodeJS.ErrnoException) => {
      const message = e.code === 'ENOENT' ? `${tool} is not installed: install postgresql-client (the same major version as the server, or newer)` : `${tool} could not start: ${e.message}`;
      reject(new AppError('SERVICE_UNAVAILABLE', message, { cause: e }));
    });
    child.once('close', (code) => {
      piped.then(
        () => {
          if (code === 0) resolve();
          else reject(new AppError('SERVICE_UNAVAILABLE', `${tool} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`, { detail: { stderr } }));
        },
        (e: unknown) => reject(new AppError('SERVICE_UNAVAILABLE', `${tool}'s output could not be written: ${(e as Error).message}`, { cause: e })),
      );
    });
  });
}

export async function dumpPostgres(url: string, file: string): Promise<'pg_dump-sql-gzip'> {
  const conn = connection(url);
  const gzip = createGzip();
  const written = pipeline(gzip, createWriteStream(file, { mode: 0o600 }));
  await Promise.all([runTool('pg_dump', ['--format=plain', '--no-owner', '--no-privileges', '--dbname', conn.url], conn.env, gzip), written]);
  return 'pg_dump-sql-gzip';
}

export async function restorePostgres(url: string, gzFile: string, log: FastifyBaseLogger): Promise<void> {
  await refuseWhileInUse(url);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-restore-'));
  try {
    const sql = path.join(dir, 'dump.sql');
    try {
      await pipeline(createReadStream(gzFile), createGunzip(), createWriteStream(sql, { mode: 0o600 }));
    } catch (e) {
      throw new AppError('BACKUP_INVALID', `the dump cannot be unpacked: ${(e as Error).message}`, { cause: e });
    }
    if (!(await endsWith(sql, DUMP_COMPLETE))) {
      throw new AppError('BACKUP_INVALID', 'the dump is incomplete (it lacks pg_dump\'s "dump complete" line): take a new backup');
    }
    const conn = connection(url);
    // -1 with several -c/-f: BEGIN before the first, COMMIT after the last, ROLLBACK on the first error.
    const args = ['--no-psqlrc', '--quiet', '--single-transaction', '-v', 'ON_ERROR_STOP=1', '-c', 'DROP SCHEMA IF EXISTS public CASCADE', '-c', 'CREATE SCHEMA public', '-f', sql, '--dbname', conn.url];
    await runTool('psql', args, conn.env);
    log.info('database restored from the dump');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A restore drops every table: the API and workers would fail mid-request, or, holding locks, make the
 * restore wait. So no other session may be connected to the database.
 */
async function refuseWhileInUse(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (e) {
    // 3D000: the server is there, the database is not (a lost database is the usual reason to restore).
    if ((e as { code?: string }).code === '3D000') {
      const name = decodeURIComponent(new URL(url).pathname.slice(1));
      throw new AppError('NOT_FOUND', `the database "${name}" does not exist: create it empty (createdb "${name}", owned by DATABASE_URL's user) and run the restore again`, {
        field: 'DATABASE_URL',
        cause: e,
      });
    }
    throw new AppError('SERVICE_UNAVAILABLE', `cannot connect to the database to restore into (DATABASE_URL): ${(e as Error).message}`, { cause: e });
  }
  try {
    const { rows } = await client.query<{ n: number; apps: string | null }>(
      `SELECT count(*)::int AS n, string_agg(DISTINCT NULLIF(application_name, ''), ', ') AS apps
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    const { n, apps } = rows[0];
    if (n > 0) {
      throw new AppError(
        'DATABASE_IN_USE',
        `${n} other session(s) are connected to the database${apps ? ` (${apps})` : ''}: stop the API and workers (e.g. scale them to 0) and run the restore again; nothing was changed`,
      );
    }
  } finally {
    await client.end();
  }
}

async function endsWith(file: string, marker: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 4096);
    const { buffer } = await handle.read(Buffer.alloc(length), 0, length, size - length);
    return buffer.toString('utf8').includes(marker);
  } finally {
    await handle.close();
  }
}
