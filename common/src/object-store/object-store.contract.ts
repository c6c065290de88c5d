/**
 * The behaviour every ObjectStore keeps, run against each implementation: LocalDirObjectStore in
 * local-dir-object-store.test.ts, MinioObjectStore in test/cluster/minio-object-store.test.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from './object-store';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

export function runObjectStoreContract(name: string, makeStore: () => Promise<ObjectStore>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    const bucket = `contract-${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      store = await makeStore();
      await store.ensureBucket(bucket);
    });
    afterAll(async () => {
      await store?.close();
    });

    it('puts and gets a body, from a Buffer, a string and a stream', async () => {
      await store.put(bucket, 'a/buffer.bin', Buffer.from([1, 2, 3]));
      await store.put(bucket, 'a/text.txt', 'hello', { contentType: 'text/plain' });
      await store.put(bucket, 'a/stream.txt', Readable.from([Buffer.from('str'), Buffer.from('eam')]));
      expect(await store.get(bucket, 'a/buffer.bin')).toEqual(Buffer.from([1, 2, 3]));
      expect((await store.get(bucket, 'a/text.txt')).toString()).toBe('hello');
      expect((await readAll(await store.getStream(bucket, 'a/stream.txt'))).toString()).toBe('stream');
    });

    it('a put whose stream fails rejects, and stores nothing under the key', async () => {
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(64 * 1024, 1));
          this.destroy(new Error('the source broke'));
        },
      });
      await expect(store.put(bucket, 'a/failed.bin', failing)).rejects.toThrow();
      expect(await store.list(bucket, 'a/failed')).toEqual([]);
    });

    it('ensureBucket on an existing bucket succeeds and keeps its objects', async () => {
      await store.put(bucket, 'kept.txt', 'kept');
      await store.ensureBucket(bucket);
      expect((await store.get(bucket, 'kept.txt')).toString()).toBe('kept');
    });

    it('overwrites an existing key with the new body', async () => {
      await store.put(bucket, 'over.txt', 'first');
      await store.put(bucket, 'over.txt', 'second body');
      expect((await store.get(bucket, 'over.txt')).toString()).toBe('second body');
      const [info] = await store.list(bucket, 'over.txt');
      expect(info).toMatchObject({ key: 'over.txt', size: 11 });
    });

    it('lists keys under a prefix, sorted, with sizes', async () => {
      await store.put(bucket, 'list/b.txt', 'bb');
      await store.put(bucket, 'list/a.txt', 'a');
      await store.put(bucket, 'list/sub/c.txt', 'ccc');
      await store.put(bucket, 'listing.txt', 'x');
      const listed = await store.list(bucket, 'list/');
      expect(listed.map((o) => [o.key, o.size])).toEqual([
        ['list/a.txt', 1],
        ['list/b.txt', 2],
        ['list/sub/c.txt', 3],
      ]);
      expect(listed[0].lastModified).toBeInstanceOf(Date);
      expect((await store.list(bucket, 'list')).map((o) => o.key)).toEqual(['list/a.txt', 'list/b.txt', 'list/sub/c.txt', 'listing.txt']);
    });

    it('keeps keys with spaces and unicode intact', async () => {
      const key = 'odd/naïve file (1).txt';
      await store.put(bucket, key, 'odd');
      expect((await store.list(bucket, 'odd/')).map((o) => o.key)).toEqual([key]);
      expect((await store.get(bucket, key)).toString()).toBe('odd');
    });

    it('get and getStream of a missing key throw NOT_FOUND', async () => {
      await expect(store.get(bucket, 'missing/nothing.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(store.getStream(bucket, 'missing/nothing.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('delete removes the object and deleting a missing key succeeds', async () => {
      await store.put(bucket, 'del/x.txt', 'x');
      await store.delete(bucket, 'del/x.txt');
      await expect(store.get(bucket, 'del/x.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await store.list(bucket, 'del/')).toEqual([]);
      await expect(store.delete(bucket, 'del/x.txt')).resolves.toBeUndefined();
    });

    it('refuses keys with "..", a leading "/" or empty segments with BAD_INPUT', async () => {
      for (const key of ['../escape', 'a/../../etc/passwd', '/abs', 'a//b', '']) {
        await expect(store.put(bucket, key, 'x'), key).rejects.toMatchObject({ code: 'BAD_INPUT', field: 'key' });
      }
      await expect(store.get(bucket, '../x')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    });

    it('stores and streams back a 20 MB object unchanged', async () => {
      const body = randomBytes(20 * 1024 * 1024);
      const chunks = Array.from({ length: 20 }, (_, i) => body.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
      await store.put(bucket, 'big/20mb.bin', Readable.from(chunks));
      const back = await readAll(await store.getStream(bucket, 'big/20mb.bin'));
      expect(back.length).toBe(body.length);
      expect(back.equals(body)).toBe(true);
      expect((await store.list(bucket, 'big/'))[0].size).toBe(body.length);
    });

    it('a versioned bucket keeps every version, newest first', async () => {
      const versioned = `${bucket}-v`;
      await store.ensureBucket(versioned, { versioned: true });
      await store.put(versioned, 'lab.yaml', 'v1');
      await store.put(versioned, 'lab.yaml', 'version 2');
      await store.put(versioned, 'lab.yaml', 'v3');
      const versions = await store.versions(versioned, 'lab.yaml');
      expect(versions.map((v) => v.size)).toEqual([2, 9, 2]);
      expect(new Set(versions.map((v) => v.versionId)).size).toBe(3);
      expect((await store.get(versioned, 'lab.yaml')).toString()).toBe('v3');
    });

    it('purge removes a key with every version and delete marker, leaving its neighbours; a missing key succeeds', async () => {
      const versioned = `${bucket}-p`;
      await store.ensureBucket(versioned, { versioned: true });
      await store.put(versioned, 'old/backup', 'v1');
      await store.put(versioned, 'old/backup', 'v2');
      await store.delete(versioned, 'old/backup');
      await store.put(versioned, 'old/backup', 'v3');
      await store.put(versioned, 'old/neighbour', 'n');
      await store.purge(versioned, 'old/backup');
      await expect(store.versions(versioned, 'old/backup')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await store.list(versioned)).map((o) => o.key)).toEqual(['old/neighbour']);
      expect(await store.versions(versioned, 'old/neighbour')).toHaveLength(1);
      await store.put(bucket, 'plain/once', 'x');
      await store.purge(bucket, 'plain/once');
      expect(await store.list(bucket, 'plain/')).toEqual([]);
      await expect(store.purge(versioned, 'old/never-there')).resolves.toBeUndefined();
    });

    it('an unversioned bucket reports the current object as its only version', async () => {
      await store.put(bucket, 'single.txt', 'one');
      await store.put(bucket, 'single.txt', 'two!');
      const versions = await store.versions(bucket, 'single.txt');
      expect(versions).toHaveLength(1);
      expect(versions[0].size).toBe(4);
    });

    it('operations on a bucket that does not exist throw NOT_FOUND', async () => {
      await expect(store.get(`${bucket}-nope`, 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('ping succeeds on a reachable store', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
