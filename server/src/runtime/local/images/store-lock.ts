/**
 * Cross-process locks on the image store, held by a `flock` child for as long as `fn` runs. The kernel
 * drops the lock when that child goes, so a crashed server never leaves the store locked. Shared holders
 * (pulls and unpacks) run side by side; an exclusive holder (the garbage collector, the index writer) alone.
 */
import { spawn } from 'node:child_process';
import { toolPath } from './image-tools';
import { OUTER_ENV } from '@autolabs/common/lab-access/local/host-tools';

export class LockTimeout extends Error {}

export async function withFileLock<T>(lockFile: string, mode: 'shared' | 'exclusive', timeoutSeconds: number, fn: () => Promise<T>): Promise<T> {
  const args = [mode === 'shared' ? '--shared' : '--exclusive', '--wait', String(timeoutSeconds), lockFile, '/bin/sh', '-c', 'echo locked && exec cat >/dev/null'];
  const holder = spawn(toolPath('flock'), args, { env: OUTER_ENV, stdio: ['pipe', 'pipe', 'ignore'] });
  const closed = new Promise<number | null>((resolve) => holder.once('close', resolve));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('error', reject);
    void closed.then((code) => reject(code === 1 ? new LockTimeout(`${lockFile}: not locked within ${timeoutSeconds}s`) : new Error(`flock on ${lockFile} exited with ${code}`)));
  });
  try {
    return await fn();
  } finally {
    holder.stdin.end();
    await closed;
  }
}
