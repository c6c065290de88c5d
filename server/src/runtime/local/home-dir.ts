/**
 * The instance's home: created from the distribution's skeleton, owned by the student, and packed for
 * archiving. The home is written by the student, so packing must not trust it: symlinks are stored as
 * links (never followed out of the home), and FIFOs, sockets and devices are skipped, because opening a
 * FIFO would block the archiver forever. `portable` leaves host user ids out of the archive. Restoring
 * unpacks such an archive into an existing home, with the same kinds of entries only, owned by the home's
 * owner; node-tar keeps entries inside the home (no absolute paths, no `..`, no writing through symlinks).
 */
import { existsSync, promises as fs, Stats } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { create, extract } from 'tar';
import { AppError } from '@autolabs/common/errors/app-error';

/** A new home starts with /etc/skel (.bashrc, .profile), owned by the sandbox uid (root mode). */
export async function createHome(home: string, uid: number | null): Promise<void> {
  await fs.mkdir(home, { mode: 0o700 });
  if (existsSync('/etc/skel')) await fs.cp('/etc/skel', home, { recursive: true });
  if (uid !== null) await chownTree(home, uid);
}

async function chownTree(dir: string, uid: number): Promise<void> {
  await fs.lchown(dir, uid, uid);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(p, uid);
    else await fs.lchown(p, uid, uid);
  }
}

/** The home as an uncompressed tar stream, or null when it does not exist. */
export function exportHome(home: string): Readable | null {
  if (!existsSync(home)) return null;
  const pack = create(
    {
      cwd: home,
      portable: true,
      follow: false,
      // Packing from disk always passes fs.Stats (ReadEntry only appears when re-packing an archive).
      filter: (_path, stat) => stat instanceof Stats && (stat.isFile() || stat.isDirectory() || stat.isSymbolicLink()),
    },
    ['.'],
  );
  return Readable.from(pack);
}

const RESTORED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink']);

/** Unpacks an uncompressed tar stream into `home`, which must exist; the home directory itself keeps its mode. */
export async function importHome(home: string, tar: Readable): Promise<void> {
  const owner = await fs.stat(home);
  const asRoot = process.getuid?.() === 0;
  try {
    await pipeline(
      tar,
      extract({
        cwd: home,
        strict: true,
        ...(asRoot ? { uid: owner.uid, gid: owner.gid } : {}),
        filter: (p, entry) => 'type' in entry && RESTORED_TYPES.has(entry.type) && path.normalize(p) !== '.' && path.normalize(p) !== './',
      }),
    );
  } catch (e) {
    // node-tar marks what it refuses in the archive itself (TAR_BAD_ARCHIVE, TAR_ENTRY_INVALID, ...).
    if (e instanceof Error && 'tarCode' in e) throw new AppError('ARCHIVE_CORRUPT', `the archive cannot be unpacked: ${e.message}`, { cause: e });
    throw e;
  }
}
