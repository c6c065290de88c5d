/**
 * Secrets an embedded install generates for itself, kept in `<dataDir>/keys/` (directory 0700, files
 * 0600). Created with O_EXCL, so two processes starting at once agree on one value: the loser reads
 * what the winner wrote.
 */
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
  try {
    await fs.writeFile(file, value, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFile(file, 'utf8');
    throw e;
  }
  return value;
}
