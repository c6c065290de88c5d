/**
 * Removes a test's data directory, first detaching whatever the local runtime mounted inside it (quota
 * volumes of instances a test left running): a plain recursive rm would empty the mounted file systems and
 * then fail with EBUSY on their mount points, leaving loop mounts behind.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function removeDataDir(dir: string): void {
  const root = path.resolve(dir);
  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => (line.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mounts) execFileSync('umount', ['--lazy', mountPoint]);
  fs.rmSync(root, { recursive: true, force: true });
}
