/**
 * Embedded object store: one directory per bucket under `root`. Survives restarts (it is just files).
 *
 * Layout, chosen so that keys `a` and `a/b` can coexist as they do in S3 and no key can collide with our
 * own files: every key segment is percent-encoded (a leading "." too), directories carry the encoded
 * segment, and an object's file adds the suffix `@o`, a character encodeURIComponent never emits. Our own
 * names start with "." (`.bucket.json`, `.versions`), which no encoded segment does.
 * Writes go to `<root>/.tmp` and are renamed into place, so a reader sees the old or the new body. In a
 * versioned bucket every put also hard-links its file into `.versions/<encoded key>@o/<versionId>`.
 * Content types are not kept. Directories are 0700 and files 0600: recordings hold what students typed.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors/app-error';
import { assertBucketName, assertObjectKey } from './object-key';
import type { ObjectInfo, ObjectStore } from './object-store';

const OBJECT_SUFFIX = '@o';
const BUCKET_META = '.bucket.json';
const VERSIONS_DIR = '.versions';

interface BucketMeta {
  versioned: boolean;
}

function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/^\./, '%2E');
}

function encodeKey(key: string): string {
  return key.split('/').map(encodeSegment).join('/') + OBJECT_SUFFIX;
}

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR';
}

export class LocalDirObjectStore implements ObjectStore {
  private readonly root: string;
  private readonly tmpDir: string;

  constructor(opts: { root: string }) {
    this.root = path.resolve(opts.root);
    this.tmpDir = path.join(this.root, '.tmp');
  }

  async ensureBucket(bucket: string, opts: { versioned?: boolean } = {}): Promise<void> {
    assertBucketName(bucket);
    await fs.mkdir(path.join(this.root, bucket), { recursive: true, mode: 0o700 });
    const current = await this.readMeta(bucket);
    // Like S3, versioning can be switched on for an existing bucket but never silently off.
    const versioned = Boolean(opts.versioned) || Boolean(current?.versioned);
    if (!current || current.versioned !== versioned) {
      await this.writeAtomic(path.join(this.root, bucket, BUCKET_META), Buffer.from(JSON.stringify({ versioned })));
    }
  }

  async put(bucket: string, key: string, body: Buffer | string | Readable): Promise<void> {
    const meta = await this.requireBucket(bucket);
    assertObjectKey(key);
    const target = this.objectPath(bucket, key);
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    await this.writeAtomic(target, body, async (tmp) => {
      if (!meta.versioned) return;
      const versionDir = this.versionDir(bucket, key);
      await fs.mkdir(versionDir, { recursive: true, mode: 0o700 });
      await fs.link(tmp, path.join(versionDir, newVersionId()));
    });
  }

  async get(bucket: string, key: string): Promise<Buffer> {
    await this.requireBucket(bucket);
    assertObjectKey(key);
    try {
      return await fs.readFile(this.objectPath(bucket, key));
    } catch (e) {
      throw this.translate(e, bucket, key);
    }
  }

  async getStream(bucket: string, key: string): Promise<Readable> {
    await this.requireBucket(bucket);
    assertObjectKey(key);
    try {
      // Opening first turns a missing key into NOT_FOUND here rather than an 'error' event later.
      const handle = await fs.open(this.objectPath(bucket, key), 'r');
      return handle.createReadStream();
    } catch (e) {
      throw this.translate(e, bucket, key);
    }
  }

  async list(bucket: string, prefix = ''): Promise<ObjectInfo[]> {
    await this.requireBucket(bucket);
    const out: ObjectInfo[] = [];
    await this.walk(path.join(this.root, bucket), '', prefix, out);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(bucket: string, key: string): Promise<void> {
    await this.requireBucket(bucket);
    assertObjectKey(key);
    await fs.rm(this.objectPath(bucket, key), { force: true });
  }

  async purge(bucket: string, key: string): Promise<void> {
    await this.requireBucket(bucket);
    assertObjectKey(key);
    await fs.rm(this.objectPath(bucket, key), { force: true });
    await fs.rm(this.versionDir(bucket, key), { recursive: true, force: true });
  }

  async versions(bucket: string, key: string): Promise<{ versionId: string; size: number; lastModified: Date }[]> {
    const meta = await this.requireBucket(bucket);
    assertObjectKey(key);
    const ids = meta.versioned ? await fs.readdir(this.versionDir(bucket, key)).catch(() => [] as string[]) : [];
    if (ids.length === 0) {
      const stat = await fs.stat(this.objectPath(bucket, key)).catch(() => null);
      if (!stat) throw new AppError('NOT_FOUND', `object ${bucket}/${key} not found`);
      return [{ versionId: 'null', size: stat.size, lastModified: stat.mtime }];
    }
    const newestFirst = ids.sort().reverse();
    return Promise.all(
      newestFirst.map(async (versionId) => {
        const stat = await fs.stat(path.join(this.versionDir(bucket, key), versionId));
        return { versionId, size: stat.size, lastModified: stat.mtime };
      }),
    );
  }

  /** Body of one version (as listed by `versions`); not part of ObjectStore. */
  async getVersion(bucket: string, key: string, versionId: string): Promise<Buffer> {
    if (versionId === 'null') return this.get(bucket, key);
    if (!/^[0-9a-f-]+$/.test(versionId)) throw new AppError('BAD_INPUT', 'version id is not valid', { field: 'versionId' });
    try {
      return await fs.readFile(path.join(this.versionDir(bucket, key), versionId));
    } catch (e) {
      throw this.translate(e, bucket, `${key}@${versionId}`);
    }
  }

  async ping(): Promise<void> {
    await fs.mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
    await fs.access(this.root, fs.constants.W_OK);
  }

  async close(): Promise<void> {}

  private objectPath(bucket: string, key: string): string {
    return path.join(this.root, bucket, encodeKey(key));
  }

  private versionDir(bucket: string, key: string): string {
    return path.join(this.root, bucket, VERSIONS_DIR, encodeKey(key));
  }

  private async readMeta(bucket: string): Promise<BucketMeta | null> {
    try {
      return JSON.parse(await fs.readFile(path.join(this.root, bucket, BUCKET_META), 'utf8')) as BucketMeta;
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  private async requireBucket(bucket: string): Promise<BucketMeta> {
    assertBucketName(bucket);
    const meta = await this.readMeta(bucket);
    if (!meta) throw new AppError('NOT_FOUND', `bucket ${bucket} does not exist`, { field: 'bucket' });
    return meta;
  }

  /** Write to a temp file, fsync, run `beforeRename` (version link), then rename over `target`. */
  private async writeAtomic(target: string, body: Buffer | string | Readable, beforeRename?: (tmp: string) => Promise<void>): Promise<void> {
    await fs.mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
    const tmp = path.join(this.tmpDir, `${Date.now()}-${randomBytes(8).toString('hex')}`);
    try {
      const source = body instanceof Readable ? body : Readable.from([typeof body === 'string' ? Buffer.from(body) : body]);
      await pipeline(source, createWriteStream(tmp, { flush: true, mode: 0o600 }));
      await beforeRename?.(tmp);
      await fs.rename(tmp, target);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  private async walk(dir: string, keyPrefix: string, wanted: string, out: ObjectInfo[]): Promise<void> {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch((e: unknown) => {
      if (isMissing(e)) return [];
      throw e;
    });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) {
        const sub = `${keyPrefix}${decodeURIComponent(entry.name)}/`;
        if (sub.startsWith(wanted) || wanted.startsWith(sub)) await this.walk(path.join(dir, entry.name), sub, wanted, out);
      } else if (entry.name.endsWith(OBJECT_SUFFIX)) {
        const key = keyPrefix + decodeURIComponent(entry.name.slice(0, -OBJECT_SUFFIX.length));
        if (!key.startsWith(wanted)) continue;
        const stat = await fs.stat(path.join(dir, entry.name)).catch(() => null);
        if (stat) out.push({ key, size: stat.size, lastModified: stat.mtime });
      }
    }
  }

  private translate(e: unknown, bucket: string, key: string): unknown {
    if (isMissing(e)) return new AppError('NOT_FOUND', `object ${bucket}/${key} not found`);
    return e;
  }
}

/** Sortable by time, unique within a process and across processes. */
function newVersionId(): string {
  return `${Date.now().toString(16).padStart(12, '0')}-${process.hrtime.bigint().toString(16).padStart(16, '0')}-${randomBytes(4).toString('hex')}`;
}
