/**
 * Object store on S3 or MinIO (the `minio` client). Streams are uploaded as multipart uploads by the
 * library (parts of at least 8 MiB; a 20 MB stream went up in 2 parts against MinIO), so a large archive
 * never sits in memory whole. A key cannot also be a prefix of other keys on MinIO. Versioning is S3's own
 * (`setBucketVersioning`). Errors: missing key or bucket -> NOT_FOUND; anything else from the network or
 * the server -> SERVICE_UNAVAILABLE with the S3 error kept as the cause (never the credentials).
 */
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Client, S3Error } from 'minio';
import { AppError, isAppError } from '../errors/app-error';
import { assertBucketName, assertObjectKey } from './object-key';
import type { ObjectInfo, ObjectStore } from './object-store';

export interface MinioObjectStoreOptions {
  /** e.g. http://127.0.0.1:9000 (https selects TLS; a missing port means 80/443). */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
}

const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound', 'NoSuchVersion']);
const PART_SIZE = 8 * 1024 * 1024;

interface VersionEntry {
  name?: string;
  size?: number;
  lastModified?: Date;
  versionId?: string | null;
  isDeleteMarker?: boolean;
}

export class MinioObjectStore implements ObjectStore {
  private readonly client: Client;
  private readonly region: string;

  constructor(opts: MinioObjectStoreOptions) {
    const url = new URL(opts.endpoint);
    const useSSL = url.protocol === 'https:';
    this.region = opts.region;
    this.client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: opts.accessKey,
      secretKey: opts.secretKey,
      region: opts.region,
      pathStyle: true,
      partSize: PART_SIZE,
    });
  }

  async ensureBucket(bucket: string, opts: { versioned?: boolean } = {}): Promise<void> {
    assertBucketName(bucket);
    await this.call(bucket, '', async () => {
      if (!(await this.client.bucketExists(bucket))) {
        try {
          await this.client.makeBucket(bucket, this.region);
        } catch (e) {
          // Another replica created it between our check and our create: that is the outcome we wanted.
          if (!(e instanceof S3Error && (e.code === 'BucketAlreadyOwnedByYou' || e.code === 'BucketAlreadyExists'))) throw e;
        }
      }
      if (opts.versioned) await this.client.setBucketVersioning(bucket, { Status: 'Enabled' });
    });
  }

  async put(bucket: string, key: string, body: Buffer | string | Readable, opts: { contentType?: string } = {}): Promise<void> {
    this.check(bucket, key);
    const meta = { 'Content-Type': opts.contentType ?? 'application/octet-stream' };
    await this.call(bucket, key, async () => {
      if (body instanceof Readable) await this.putStream(bucket, key, body, meta);
      else {
        const buffer = typeof body === 'string' ? Buffer.from(body) : body;
        await this.client.putObject(bucket, key, buffer, buffer.length, meta);
      }
    });
  }

  async get(bucket: string, key: string): Promise<Buffer> {
    const stream = await this.getStream(bucket, key);
    const chunks: Buffer[] = [];
    await this.call(bucket, key, async () => {
      for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
    });
    return Buffer.concat(chunks);
  }

  async getStream(bucket: string, key: string): Promise<Readable> {
    this.check(bucket, key);
    return this.call(bucket, key, () => this.client.getObject(bucket, key));
  }

  async list(bucket: string, prefix = ''): Promise<ObjectInfo[]> {
    assertBucketName(bucket);
    const out = await this.call(bucket, '', async () => {
      const items: ObjectInfo[] = [];
      for await (const item of this.client.listObjectsV2(bucket, prefix, true)) {
        if (item.name !== undefined) items.push({ key: item.name, size: item.size, lastModified: item.lastModified });
      }
      return items;
    });
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(bucket: string, key: string): Promise<void> {
    this.check(bucket, key);
    await this.call(bucket, key, () => this.client.removeObject(bucket, key));
  }

  async purge(bucket: string, key: string): Promise<void> {
    this.check(bucket, key);
    await this.call(bucket, key, async () => {
      // Every version and delete marker by its id; an unversioned bucket lists its object as version "null".
      const ids: string[] = [];
      for await (const item of this.client.listObjects(bucket, key, false, { IncludeVersion: true })) {
        const entry = item as VersionEntry;
        if (entry.name === key) ids.push(entry.versionId ?? 'null');
      }
      for (const versionId of ids) {
        await (versionId === 'null' ? this.client.removeObject(bucket, key) : this.client.removeObject(bucket, key, { versionId }));
      }
    });
  }

  async versions(bucket: string, key: string): Promise<{ versionId: string; size: number; lastModified: Date }[]> {
    this.check(bucket, key);
    const entries = await this.call(bucket, key, async () => {
      const found: VersionEntry[] = [];
      for await (const item of this.client.listObjects(bucket, key, false, { IncludeVersion: true })) {
        const entry = item as VersionEntry;
        if (entry.name === key && !entry.isDeleteMarker) found.push(entry);
      }
      return found;
    });
    if (entries.length === 0) throw new AppError('NOT_FOUND', `object ${bucket}/${key} not found`);
    return entries
      .map((e) => ({ versionId: e.versionId ?? 'null', size: e.size ?? 0, lastModified: e.lastModified ?? new Date(0) }))
      .sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime());
  }

  async ping(): Promise<void> {
    await this.call('', '', () => this.client.listBuckets());
  }

  async close(): Promise<void> {}

  /**
   * The client pipes a stream into its part splitter without watching the stream's errors, so a source
   * that fails (an export whose tar exited non-zero) would leave the upload waiting forever. The source's
   * failure ends the put instead, and the multipart upload begun for it is aborted, so nothing is stored.
   */
  private async putStream(bucket: string, key: string, body: Readable, meta: Record<string, string>): Promise<void> {
    const sourceFailed = finished(body).then(
      () => new Promise<never>(() => {}),
      (e: unknown) => {
        throw new AppError('SERVICE_UNAVAILABLE', `upload of ${bucket}/${key} stopped: its source failed: ${(e as Error).message}`, { cause: e });
      },
    );
    try {
      await Promise.race([this.client.putObject(bucket, key, body, undefined, meta), sourceFailed]);
    } catch (e) {
      if (body.errored || !body.readableEnded) await this.client.removeIncompleteUpload(bucket, key).catch(() => undefined);
      throw e;
    }
  }

  private check(bucket: string, key: string): void {
    assertBucketName(bucket);
    assertObjectKey(key);
  }

  private async call<T>(bucket: string, key: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if (isAppError(e)) throw e;
      if (e instanceof S3Error && e.code && NOT_FOUND_CODES.has(e.code)) {
        throw new AppError('NOT_FOUND', key ? `object ${bucket}/${key} not found` : `bucket ${bucket} does not exist`, { cause: e });
      }
      throw new AppError('SERVICE_UNAVAILABLE', 'object store (S3) is unavailable', { cause: e });
    }
  }
}
