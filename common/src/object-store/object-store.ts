/**
 * Object storage: lab YAML, archived student volumes, terminal recordings.
 * Implementations: LocalDirObjectStore (embedded, a directory on disk) and MinioObjectStore (S3/MinIO).
 * Both pass object-store.contract.ts.
 *
 * Semantics: keys are `/`-separated, never start with `/`, never contain `..`. `put` replaces an existing
 * object atomically (a reader sees the old or the new body, never a mix). `get` of a missing key throws
 * AppError NOT_FOUND. `delete` of a missing key succeeds. `list` returns keys under a prefix, sorted.
 */
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

export interface ObjectStore {
  /** Create the bucket when missing ("already exists" is success). `versioned` keeps old versions. */
  ensureBucket(bucket: string, opts?: { versioned?: boolean }): Promise<void>;
  put(bucket: string, key: string, body: Buffer | string | Readable, opts?: { contentType?: string }): Promise<void>;
  get(bucket: string, key: string): Promise<Buffer>;
  getStream(bucket: string, key: string): Promise<Readable>;
  list(bucket: string, prefix?: string): Promise<ObjectInfo[]>;
  delete(bucket: string, key: string): Promise<void>;
  /**
   * Removes the key and every stored version of it, for retention (backups/): in a versioned bucket `delete`
   * keeps the old versions, which is the point of versioning but not of retention. A missing key succeeds.
   */
  purge(bucket: string, key: string): Promise<void>;
  /** Versions of a key, newest first (a single entry on a bucket that is not versioned). */
  versions(bucket: string, key: string): Promise<{ versionId: string; size: number; lastModified: Date }[]>;
  /** Throws when the store cannot be reached (used by /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
