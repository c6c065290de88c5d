/**
 * A teacher's restore: an archived instance's tar.gz, checked against its recorded digest, unpacked into
 * another (stopped) instance's storage by the runtime. The check reads the object once before anything is
 * written, so a damaged archive changes nothing; the second read streams it, gunzipped, into the runtime.
 */
import { createGunzip } from 'node:zlib';
import { AppError } from '@autolabs/common/errors/app-error';
import type { ObjectStore } from '@autolabs/common/object-store/object-store';
import type { LabRuntime, RuntimeHandle } from '../runtime/lab-runtime';
import { digestOfObject, verifyArchive } from './archive-digest';

export interface StoredArchive {
  key: string;
  /** Null for an archive made before digests were recorded: it is then only checked to be a readable tar.gz. */
  sha256: string | null;
  size: number | null;
}

export async function restoreArchive(
  services: { runtime: LabRuntime; objectStore: ObjectStore; bucket: string },
  archive: StoredArchive,
  into: RuntimeHandle,
): Promise<void> {
  const { runtime, objectStore, bucket } = services;
  if (!runtime.importStorage) throw new AppError('NOT_AVAILABLE_YET', `the ${runtime.name} runtime cannot restore archives yet`, { field: 'id' });
  await checkArchive(objectStore, bucket, archive);
  const gz = await objectStore.getStream(bucket, archive.key);
  const tar = gz.pipe(createGunzip());
  gz.once('error', (e) => tar.destroy(e));
  await runtime.importStorage(into, tar);
}

/** ARCHIVE_CORRUPT unless the object matches its recorded digest (or, without one, gunzips whole). */
export async function checkArchive(objectStore: ObjectStore, bucket: string, archive: StoredArchive): Promise<void> {
  if (archive.sha256 !== null && archive.size !== null) await verifyArchive(objectStore, bucket, archive.key, { sha256: archive.sha256, size: archive.size });
  else await digestOfObject(objectStore, bucket, archive.key);
}

/** The stored archive of an instance row, or null when it has none. */
export function storedArchiveOf(row: { archiveKey: string | null; archiveSha256: string | null; archiveSize: bigint | null }): StoredArchive | null {
  if (row.archiveKey === null) return null;
  return { key: row.archiveKey, sha256: row.archiveSha256, size: row.archiveSize === null ? null : Number(row.archiveSize) };
}
