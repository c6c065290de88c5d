/**
 * An archived volume is a tar.gz in the volumes bucket whose sha256 and size are recorded on its instance
 * row. The digest is taken of the bytes as they are uploaded, and checked again by reading the object
 * back (and gunzipping it whole, so a truncated or damaged gzip is caught by its CRC) before the volume is
 * freed; downloads and restores check it once more, so a changed or damaged object is never handed out as
 * the student's work.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { AppError } from '@autolabs/common/errors/app-error';
import type { ObjectStore } from '@autolabs/common/object-store/object-store';

export interface ArchiveDigest {
  /** Lowercase hex sha256 of the tar.gz as stored. */
  sha256: string;
  size: number;
}

/** Counts and hashes what passes through. */
class Digester extends Transform {
  private readonly hash = createHash('sha256');
  size = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }

  digest(): ArchiveDigest {
    return { sha256: this.hash.digest('hex'), size: this.size };
  }
}

/**
 * Gzips an uncompressed tar stream into `bucket/key` and returns the digest of what was uploaded. Fails
 * when the tar stream fails (a tar that exited non-zero), even if the store took a partial object, and
 * then removes that object.
 */
export async function uploadArchive(store: ObjectStore, bucket: string, key: string, tar: Readable): Promise<ArchiveDigest> {
  const digester = new Digester();
  const body = new PassThrough();
  const produced = pipeline(tar, createGzip(), digester, body);
  // A store that refuses the upload stops the producer too (and with it the export), with the store's error.
  const uploaded = store.put(bucket, key, body, { contentType: 'application/gzip' }).catch((e: unknown) => {
    body.destroy(e as Error);
    throw e;
  });
  const [made, put] = await Promise.allSettled([produced, uploaded]);
  // A source that was cut off may still be tidying up (a storage pod being deleted): wait until it closed.
  if (made.status === 'rejected' || put.status === 'rejected') await closed(tar);
  if (made.status === 'rejected') {
    if (put.status === 'fulfilled') await store.delete(bucket, key);
    throw made.reason;
  }
  if (put.status === 'rejected') throw put.reason;
  return digester.digest();
}

function closed(stream: Readable): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

/** Reads the object whole: its digest, after gunzipping it to the end (a damaged gzip throws). */
export async function digestOfObject(store: ObjectStore, bucket: string, key: string): Promise<ArchiveDigest> {
  const digester = new Digester();
  const discard = new Writable({ write: (_c, _e, done) => done() });
  try {
    await pipeline(await store.getStream(bucket, key), digester, createGunzip(), discard);
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('ARCHIVE_CORRUPT', `the archive ${bucket}/${key} is not a readable tar.gz: ${(e as Error).message}`, { cause: e });
  }
  return digester.digest();
}

/** Throws ARCHIVE_CORRUPT unless the stored object has the recorded digest. */
export async function verifyArchive(store: ObjectStore, bucket: string, key: string, expected: ArchiveDigest): Promise<void> {
  const actual = await digestOfObject(store, bucket, key);
  if (actual.sha256 !== expected.sha256 || actual.size !== expected.size) {
    throw new AppError('ARCHIVE_CORRUPT', `the archive ${bucket}/${key} does not match its recorded checksum`, {
      detail: { expected, actual },
    });
  }
}
