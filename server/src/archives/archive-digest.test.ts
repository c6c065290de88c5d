import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDirObjectStore } from '@autolabs/common/object-store/local-dir-object-store';
import { digestOfObject, uploadArchive, verifyArchive } from './archive-digest';

let root: string;
let store: LocalDirObjectStore;
const BUCKET = 'lab-volumes';

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'archive-digest-'));
  store = new LocalDirObjectStore({ root });
  await store.ensureBucket(BUCKET);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A stream that yields `chunks` and then fails, as an export whose tar exited non-zero does. */
function failingAfter(chunks: Buffer[], message: string): Readable {
  return new Readable({
    read() {
      const next = chunks.shift();
      if (next) this.push(next);
      else this.destroy(new Error(message));
    },
  });
}

describe('uploadArchive', () => {
  it('stores the stream gzipped and returns the sha256 and size of the stored bytes', async () => {
    const tar = Buffer.from('pretend this is a tar stream\n'.repeat(1000));
    const digest = await uploadArchive(store, BUCKET, 'd/i.tar.gz', Readable.from([tar]));
    const stored = await store.get(BUCKET, 'd/i.tar.gz');
    expect(gunzipSync(stored).equals(tar)).toBe(true);
    expect(digest).toEqual({ sha256: createHash('sha256').update(stored).digest('hex'), size: stored.length });
  });

  it('fails with the export\'s error when the tar stream fails, and leaves no object behind', async () => {
    const upload = uploadArchive(store, BUCKET, 'd/broken.tar.gz', failingAfter([Buffer.from('partial')], 'tar exited with 2'));
    await expect(upload).rejects.toThrow('tar exited with 2');
    expect(await store.list(BUCKET, 'd/broken')).toEqual([]);
  });
});

describe('verifyArchive', () => {
  it('accepts the object it was given the digest of, and refuses a changed one with ARCHIVE_CORRUPT', async () => {
    const digest = await uploadArchive(store, BUCKET, 'd/i.tar.gz', Readable.from([Buffer.from('files')]));
    await expect(verifyArchive(store, BUCKET, 'd/i.tar.gz', digest)).resolves.toBeUndefined();
    await uploadArchive(store, BUCKET, 'd/i.tar.gz', Readable.from([Buffer.from('other files')]));
    await expect(verifyArchive(store, BUCKET, 'd/i.tar.gz', digest)).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT' });
  });

  it('refuses a truncated gzip even when no digest is known', async () => {
    await uploadArchive(store, BUCKET, 'd/i.tar.gz', Readable.from([Buffer.from('x'.repeat(10_000))]));
    const whole = await store.get(BUCKET, 'd/i.tar.gz');
    await store.put(BUCKET, 'd/cut.tar.gz', whole.subarray(0, whole.length - 8));
    await expect(digestOfObject(store, BUCKET, 'd/cut.tar.gz')).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT' });
  });
});
