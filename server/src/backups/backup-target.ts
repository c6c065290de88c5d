/**
 * The backup bucket as backups see it: the list of backups, and every refusal of the object store turned
 * into BACKUP_TARGET_REFUSED with the setting to fix. The stores report a missing bucket as NOT_FOUND and
 * anything else as SERVICE_UNAVAILABLE with S3's error kept as the cause; its code tells a credential or
 * permission problem from an unreachable server.
 */
import { AppError, isAppError } from '@autolabs/common/errors/app-error';
import type { ObjectStore } from '@autolabs/common/object-store/object-store';
import { BACKUP_PREFIX, backupTime } from './backup-format';

export interface BackupTarget {
  store: ObjectStore;
  bucket: string;
}

export interface BackupEntry {
  key: string;
  size: number;
  createdAt: Date;
}

const CREDENTIAL_CODES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken']);
const PERMISSION_CODES = new Set(['AccessDenied', 'AllAccessDisabled']);

/** What went wrong with the bucket, as an error saying what to fix; other errors pass through unchanged. */
export function targetRefusal(e: unknown, bucket: string, doing: string): unknown {
  if (!isAppError(e)) return e;
  const s3Code = (e.cause as { code?: unknown } | undefined)?.code;
  if (e.code === 'NOT_FOUND' && (s3Code === 'NoSuchBucket' || /^bucket .* does not exist$/.test(e.message))) {
    return new AppError(
      'BACKUP_TARGET_REFUSED',
      `cannot ${doing}: the bucket "${bucket}" does not exist: create it (versioning on: \`mc mb --with-versioning <alias>/${bucket}\`), start the workers once (they create it), or set BACKUP_BUCKET to an existing bucket`,
      { field: 'BACKUP_BUCKET', cause: e },
    );
  }
  if (e.code !== 'SERVICE_UNAVAILABLE') return e;
  if (typeof s3Code === 'string' && CREDENTIAL_CODES.has(s3Code)) {
    return new AppError('BACKUP_TARGET_REFUSED', `cannot ${doing}: the object store refused the credentials (${s3Code}): check S3_ACCESS_KEY and S3_SECRET_KEY`, {
      field: 'S3_ACCESS_KEY',
      cause: e,
    });
  }
  if (typeof s3Code === 'string' && PERMISSION_CODES.has(s3Code)) {
    return new AppError(
      'BACKUP_TARGET_REFUSED',
      `cannot ${doing}: the object store denies these credentials access to the bucket "${bucket}" (${s3Code}): allow them to list, read, write and delete objects there`,
      { field: 'BACKUP_BUCKET', cause: e },
    );
  }
  return new AppError('BACKUP_TARGET_REFUSED', `cannot ${doing}: the object store did not answer (${typeof s3Code === 'string' ? s3Code : (e.cause as Error | undefined)?.message ?? e.message}): check S3_ENDPOINT`, {
    field: 'S3_ENDPOINT',
    cause: e,
  });
}

/** The bucket's backups, oldest first; objects that are not backups are left out. */
export async function listBackups(target: BackupTarget): Promise<BackupEntry[]> {
  let objects;
  try {
    objects = await target.store.list(target.bucket, BACKUP_PREFIX);
  } catch (e) {
    throw targetRefusal(e, target.bucket, 'list the backups');
  }
  const out: BackupEntry[] = [];
  for (const o of objects) {
    const createdAt = backupTime(o.key);
    if (createdAt) out.push({ key: o.key, size: o.size, createdAt });
  }
  return out.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}
