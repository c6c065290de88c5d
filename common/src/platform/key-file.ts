/**
 * Secrets an embedded install generates for itself, kept in `<dataDir>/keys/` (directory 0700, files
 * 0600). A new value is written whole to a file of its own, then linked into place, which fails if the name
 * exists: so two processes (or two parts of one) starting at once agree on one value, and nobody ever reads
 * a file still being written (the loser of the link reads the winner's whole value).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export async function readOrCreateKeyFile(dataDir: string, name: string, make: () => string): Promise<string> {
  const dir = path.join(dataDir, 'keys');
  const file = path.join(dir, name);
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const value = make();
  const draft = path.join(dir, `.${name}.${randomBytes(6).toString('hex')}`);
  await fs.writeFile(draft, value, { mode: 0o600, flag: 'wx' });
  try {
    await fs.link(draft, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFile(file, 'utf8');
    throw e;
  } finally {
    await fs.rm(draft, { force: true });
  }
  return value;
}
