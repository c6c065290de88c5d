/**
 * A path a student names for a file in their lab's storage (upload and download): relative to the
 * storage's root, plain names only, so whatever comes in can only name a file inside the storage. Pure.
 */
import { AppError } from '@autolabs/common/errors/app-error';

export const MAX_LAB_FILE_PATH = 1024;

/** The normalised relative path (`notes/a.txt`), or BAD_INPUT on `path` naming what is wrong. */
export function labFilePath(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new AppError('BAD_INPUT', 'name the file: a path inside your lab storage, such as notes/todo.txt', { field: 'path' });
  if (raw.length > MAX_LAB_FILE_PATH) throw new AppError('BAD_INPUT', `the path is longer than ${MAX_LAB_FILE_PATH} characters`, { field: 'path' });
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) throw new AppError('BAD_INPUT', 'the path may not contain control characters or backslashes', { field: 'path' });
  if (raw.startsWith('/')) throw new AppError('BAD_INPUT', 'give the path inside your lab storage, without a leading /', { field: 'path' });
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new AppError('BAD_INPUT', 'the path must stay inside your lab storage (no ..)', { field: 'path' });
  if (parts.length === 0) throw new AppError('BAD_INPUT', 'name a file, not the storage itself', { field: 'path' });
  if (parts.some((p) => Buffer.byteLength(p) > 255)) throw new AppError('BAD_INPUT', 'a name in the path is longer than 255 bytes', { field: 'path' });
  return parts.join('/');
}
