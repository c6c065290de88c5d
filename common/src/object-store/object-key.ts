/**
 * Key and bucket rules shared by every object store, checked at the edge so that a key can never name a
 * file outside its bucket (LocalDirObjectStore) or differ between implementations.
 */
import { AppError } from '../errors/app-error';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function assertBucketName(bucket: string): void {
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new AppError('BAD_INPUT', `bucket name "${bucket}" must be 3-63 lowercase letters, digits, "." or "-"`, { field: 'bucket' });
  }
}

/** Keys are `/`-separated, never empty, never start with `/`, and have no empty, `.` or `..` segment. */
export function assertObjectKey(key: string): void {
  const bad = (why: string) => new AppError('BAD_INPUT', `object key ${JSON.stringify(key.slice(0, 200))} ${why}`, { field: 'key' });
  if (key.length === 0 || key.length > 1024) throw bad('must be 1-1024 characters');
  if (key.startsWith('/')) throw bad('must not start with "/"');
  if (key.includes('\0') || key.includes('\\')) throw bad('must not contain NUL or "\\"');
  for (const segment of key.split('/')) {
    if (segment === '..' || segment === '.') throw bad('must not contain "." or ".." segments');
    if (segment === '') throw bad('must not contain empty segments');
  }
}
