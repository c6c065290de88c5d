/**
 * Backups of the embedded database with what PGlite itself offers: `dumpDataDir` tars its data directory
 * between two queries (it holds PGlite's query lock, so nothing writes meanwhile; what a transaction left
 * uncommitted is rolled back when the copy is opened, as after a crash), `loadDataDir` opens such a tar.
 * No SQL dump: `pg_dump` for PGlite (@electric-sql/pglite-tools) pins an older PGlite than ours.
 *
 * A restore never touches the current data directory until the dump has been opened and read back in a
 * directory beside it; then the current one is renamed to `db.before-restore-<time>` (kept: nothing is
 * lost; delete it by hand once satisfied) and the restored one takes its name.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '@autolabs/common/errors/app-error';

export async function dumpPglite(pglite: PGlite, file: string): Promise<'pglite-datadir-gzip'> {
  const tar = await pglite.dumpDataDir('gzip');
  await writeFile(file, Buffer.from(await tar.arrayBuffer()), { mode: 0o600 });
  return 'pglite-datadir-gzip';
}

export async function restorePglite(dataDir: string, gzFile: string, log: FastifyBaseLogger): Promise<{ keptAt?: string }> {
  // PGlite writes postmaster.pid while it has the directory open and removes it on close. It takes no lock,
  // so this is the only sign that `npm start` (or a crashed one) uses the directory.
  if (existsSync(`${dataDir}/postmaster.pid`)) {
    throw new AppError(
      'DATABASE_IN_USE',
      `the embedded database in ${dataDir} is open (postmaster.pid): stop AutoLabs (npm start) and run the restore again; if it is not running, it stopped uncleanly: start and stop it once; nothing was changed`,
    );
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const incoming = `${dataDir}.restoring-${stamp}`;
  const keptAt = `${dataDir}.before-restore-${stamp}`;
  try {
    await openAndCheck(incoming, gzFile);
    const hadOne = existsSync(dataDir);
    if (hadOne) await rename(dataDir, keptAt);
    try {
      await rename(incoming, dataDir);
    } catch (e) {
      if (hadOne) await rename(keptAt, dataDir);
      throw e;
    }
    log.info({ keptAt: hadOne ? keptAt : undefined }, 'embedded database restored from the dump');
    return hadOne ? { keptAt } : {};
  } finally {
    await rm(incoming, { recursive: true, force: true });
  }
}

/** Unpacks the dump into `dir` through PGlite and reads from it, so a dump PGlite cannot open is refused here. */
async function openAndCheck(dir: string, gzFile: string): Promise<void> {
  let pglite: PGlite | undefined;
  try {
    pglite = await PGlite.create(dir, { loadDataDir: new Blob([await readFile(gzFile)], { type: 'application/x-gzip' }) });
    await pglite.query('SELECT count(*) FROM "_prisma_migrations"');
  } catch (e) {
    throw new AppError('BACKUP_INVALID', `the embedded database's dump cannot be opened: ${(e as Error).message}`, { cause: e });
  } finally {
    await pglite?.close().catch(() => undefined);
  }
}
