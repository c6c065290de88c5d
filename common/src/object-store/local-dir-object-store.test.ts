import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalDirObjectStore } from './local-dir-object-store';
import { runObjectStoreContract } from './object-store.contract';

const roots: string[] = [];
async function tempRoot(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'autolabs-objects-'));
  roots.push(root);
  return root;
}
afterAll(async () => {
  await Promise.all(roots.map((r) => fs.rm(r, { recursive: true, force: true })));
});

runObjectStoreContract('LocalDirObjectStore', async () => new LocalDirObjectStore({ root: await tempRoot() }));

describe('LocalDirObjectStore', () => {
  it('objects written before a close are read back by a new instance on the same directory', async () => {
    const root = await tempRoot();
    const first = new LocalDirObjectStore({ root });
    await first.ensureBucket('recordings', { versioned: true });
    await first.put('recordings', 'session/1.cast', 'cast body');
    await first.close();

    const reopened = new LocalDirObjectStore({ root });
    expect((await reopened.get('recordings', 'session/1.cast')).toString()).toBe('cast body');
    expect(await reopened.versions('recordings', 'session/1.cast')).toHaveLength(1);
  });

  it('keeps a key that is also the prefix of other keys, as S3 does (MinIO cannot)', async () => {
    const store = new LocalDirObjectStore({ root: await tempRoot() });
    await store.ensureBucket('bucket');
    await store.put('bucket', 'list/a.txt', 'a');
    await store.put('bucket', 'list', 'both key and prefix');
    expect((await store.list('bucket', 'list')).map((o) => o.key)).toEqual(['list', 'list/a.txt']);
    expect((await store.get('bucket', 'list')).toString()).toBe('both key and prefix');
  });

  it('keeps objects private to the service user (dirs 0700, files 0600)', async () => {
    const root = await tempRoot();
    const store = new LocalDirObjectStore({ root });
    await store.ensureBucket('recordings');
    await store.put('recordings', 'session/1.cast', 'typed secrets');
    const [file] = (await fs.readdir(path.join(root, 'recordings', 'session'))).map((f) => path.join(root, 'recordings', 'session', f));
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.join(root, 'recordings', 'session'))).mode & 0o777).toBe(0o700);
  });

  it('never writes outside its root, whatever the key', async () => {
    const root = await tempRoot();
    const store = new LocalDirObjectStore({ root: path.join(root, 'store') });
    await store.ensureBucket('bucket');
    await store.put('bucket', '%2E%2E/x', 'encoded dots stay a name');
    await expect(store.put('bucket', '../outside', 'x')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect(await fs.readdir(root)).toEqual(['store']);
    expect((await store.list('bucket')).map((o) => o.key)).toEqual(['%2E%2E/x']);
  });

  it('a key named like an internal file (".versions") is stored as an ordinary object', async () => {
    const store = new LocalDirObjectStore({ root: await tempRoot() });
    await store.ensureBucket('bucket', { versioned: true });
    await store.put('bucket', '.versions/a', 'user data');
    await store.put('bucket', '.bucket.json', 'user data too');
    expect((await store.list('bucket')).map((o) => o.key)).toEqual(['.bucket.json', '.versions/a']);
    expect((await store.get('bucket', '.versions/a')).toString()).toBe('user data');
  });

  it('old versions stay readable after the key is overwritten', async () => {
    const store = new LocalDirObjectStore({ root: await tempRoot() });
    await store.ensureBucket('configs', { versioned: true });
    await store.put('configs', 'lab.yaml', 'one');
    await store.put('configs', 'lab.yaml', 'two');
    const [newest, oldest] = await store.versions('configs', 'lab.yaml');
    expect((await store.getVersion('configs', 'lab.yaml', oldest.versionId)).toString()).toBe('one');
    expect((await store.getVersion('configs', 'lab.yaml', newest.versionId)).toString()).toBe('two');
  });

  it('a failed streaming put leaves the previous body in place and no temp file behind', async () => {
    const root = await tempRoot();
    const store = new LocalDirObjectStore({ root });
    await store.ensureBucket('bucket');
    await store.put('bucket', 'k', 'old');
    async function* failing() {
      yield Buffer.from('partial');
      throw new Error('client went away');
    }
    await expect(store.put('bucket', 'k', Readable.from(failing()))).rejects.toThrow('client went away');
    expect((await store.get('bucket', 'k')).toString()).toBe('old');
    expect(await fs.readdir(path.join(root, '.tmp'))).toEqual([]);
  });
});
