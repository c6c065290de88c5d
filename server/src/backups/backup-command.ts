/**
 * The operator's commands for database backups, on the configuration every process reads (the same
 * environment variables; docs/operations.md, "Backups and restore"):
 *
 *   npm run backup                   take a backup now into BACKUP_BUCKET (retention applies)
 *   npm run backup -- --list         list the backups there, oldest first
 *   npm run restore -- <object>      restore one (a key from --list, or `latest`); stop the API and workers first
 *
 * Compiled (npm run build): node dist/server/src/backups/backup-command.js backup|restore ... . Refusals print one line,
 * `<command>: <CODE>: <what to fix>`, and exit 1; a bad command line exits 2.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadEnv, type Env } from '@autolabs/common/config/env';
import { AppError, isAppError } from '@autolabs/common/errors/app-error';
import { createDatabase } from '../infra/database/open-database';
import { makeLogger } from '@autolabs/common/process/run-process';
import { createObjectStore } from '@autolabs/common/platform/stores';
import { listBackups, type BackupTarget } from './backup-target';
import { restoreBackup } from './restore-backup';
import { takeBackup } from './take-backup';

const USAGE = `Usage: npm run backup [-- --list]    take a database backup now into BACKUP_BUCKET, or list the backups there
       npm run restore -- <object>      restore the database from a backup (a key from --list, or latest)
   or: node --enable-source-maps dist/server/src/backups/backup-command.js [--help]   (compiled by npm run build;
       then backup [--list] | restore <object>)

Both read the configuration every AutoLabs process reads (DATABASE_URL, AUTOLABS_DATA_DIR, S3_*, BACKUP_*).
A restore replaces the whole database: stop the API and the workers (npm start, embedded) first.
Details: docs/operations.md, "Backups and restore".
`;

type Command = { kind: 'backup' } | { kind: 'list' } | { kind: 'restore'; object: string } | { kind: 'help' };

function readBackupCommand(argv: string[]): Command {
  const { values, positionals } = parseArgs({ args: argv, options: { list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  const [verb, ...rest] = positionals;
  if (values.help) return { kind: 'help' };
  if (verb === 'backup' && rest.length === 0) return values.list ? { kind: 'list' } : { kind: 'backup' };
  if (verb === 'restore' && rest.length === 1 && !values.list) return { kind: 'restore', object: rest[0] };
  if (verb === 'restore') throw new Error('restore needs exactly one backup: a key that `npm run backup -- --list` prints, or latest');
  throw new Error(`unknown command ${JSON.stringify(positionals.join(' '))}`);
}

async function run(command: Exclude<Command, { kind: 'help' }>, env: Env): Promise<string> {
  const log = makeLogger(env, 'autolabs-backup', process.stderr);
  const target: BackupTarget = { store: await createObjectStore(env), bucket: env.BACKUP_BUCKET };
  if (command.kind === 'list') {
    const backups = await listBackups(target);
    if (backups.length === 0) return `no backups in the bucket "${env.BACKUP_BUCKET}" yet\n`;
    return backups.map((b) => `${b.key}  ${b.size} bytes  ${b.createdAt.toISOString()}\n`).join('');
  }
  if (command.kind === 'restore') {
    const result = await restoreBackup(env, target, command.object, log);
    const lines = [`restored ${result.key} (taken ${result.manifest.createdAt})`];
    if (result.migrated.length > 0) lines.push(`migrated forward: ${result.migrated.join(', ')}`);
    if (result.keptAt) lines.push(`the database it replaced is kept in ${result.keptAt} (delete it once satisfied)`);
    return `${lines.join('\n')}\n`;
  }
  // The embedded database allows one process at a time; a running AutoLabs backs itself up.
  if (!env.DATABASE_URL && existsSync(path.join(env.AUTOLABS_DATA_DIR, 'db', 'postmaster.pid'))) {
    throw new AppError('DATABASE_IN_USE', `AutoLabs is running on ${env.AUTOLABS_DATA_DIR} (its workers back it up every BACKUP_INTERVAL_HOURS): stop it to take a backup by hand`);
  }
  const db = await createDatabase(env, log);
  try {
    const result = await takeBackup(db, target, { keep: env.BACKUP_KEEP, log });
    return `stored ${result.key} (${result.size} bytes) in the bucket "${env.BACKUP_BUCKET}"${result.removed.length > 0 ? `; retention removed ${result.removed.join(', ')}` : ''}\n`;
  } finally {
    await db.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const name = argv[0] === 'restore' ? 'autolabs-restore' : 'autolabs-backup';
  let command: Command;
  let env: Env;
  try {
    command = readBackupCommand(argv);
    if (command.kind === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    env = loadEnv();
  } catch (e) {
    process.stderr.write(`${name}: ${(e as Error).message}${e instanceof ConfigError ? '' : '; try --help'}\n`);
    return 2;
  }
  try {
    process.stdout.write(await run(command, env));
    return 0;
  } catch (e) {
    if (!isAppError(e)) throw e;
    process.stderr.write(`${name}: ${e.code}: ${e.message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
