import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv, type Env } from '../config/env';
import { caught } from '../testing/caught';
import { createObjectStore, openObjectStore } from './stores';

describe('object store buckets (embedded: a local directory)', () => {
  let dataDir: string;
  let env: Env;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-stores-'));
    env = loadEnv({ AUTOLABS_DATA_DIR: dataDir });
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every version in the critical buckets (lab configs, archived volumes), one in recordings', async () => {
    const store = await openObjectStore(env);
    for (const bucket of [env.S3_BUCKET_CONFIGS, env.S3_BUCKET_VOLUMES, env.S3_BUCKET_RECORDINGS]) {
      await store.put(bucket, 'k', 'first');
      await store.put(bucket, 'k', 'second');
    }
    expect(await store.versions(env.S3_BUCKET_CONFIGS, 'k')).toHaveLength(2);
    expect(await store.versions(env.S3_BUCKET_VOLUMES, 'k')).toHaveLength(2);
    expect(await store.versions(env.S3_BUCKET_RECORDINGS, 'k')).toHaveLength(1);
  });

  it('createObjectStore creates no bucket, so a missing one is reported by whoever uses it', async () => {
    const store = await createObjectStore(loadEnv({ AUTOLABS_DATA_DIR: path.join(dataDir, 'other') }));
    expect(await caught(store.list(env.BACKUP_BUCKET))).toMatchObject({ code: 'NOT_FOUND' });
  });
});
