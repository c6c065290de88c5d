/**
 * Reserves one host user id per instance (root mode), so process limits and file ownership are per
 * instance. A reservation is a file created with O_EXCL in `<dataDir>/labs/uids/`, which makes it atomic
 * across worker processes; a collision moves on to the next id. The range sits far above ids that
 * distributions hand out to people and services.
 */
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { AppError } from '@autolabs/common/errors/app-error';

export const UID_BASE = 1_000_000_000;
export const UID_RANGE = 1_000_000;
const MAX_PROBES = 1000;

export async function reserveUid(dir: string, instanceId: string): Promise<number> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const start = createHash('sha256').update(instanceId).digest().readUInt32BE(0) % UID_RANGE;
  for (let i = 0; i < MAX_PROBES; i++) {
    const uid = UID_BASE + ((start + i) % UID_RANGE);
    const file = path.join(dir, String(uid));
    try {
      await fs.writeFile(file, instanceId, { flag: 'wx', mode: 0o600 });
      return uid;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if ((await fs.readFile(file, 'utf8').catch(() => '')) === instanceId) return uid;
    }
  }
  throw new AppError('RUNTIME_UNAVAILABLE', 'no free sandbox user id', { detail: { dir } });
}

export async function releaseUid(dir: string, uid: number, instanceId: string): Promise<void> {
  const file = path.join(dir, String(uid));
  const owner = await fs.readFile(file, 'utf8').catch(() => null);
  if (owner === instanceId) await fs.rm(file, { force: true });
}
