/**
 * The session store and object store chosen from the environment. Apart from services.ts because the
 * standalone gateway needs these two and nothing else: importing services.ts would load Prisma and PGlite
 * (about 100 MiB) into a process that never touches the database. The Redis and MinIO clients are
 * imported only when configured: a local gateway does without their ~10 MiB of heap (issue 9).
 */
import path from 'node:path';
import type { Env } from '../config/env';
import { LocalDirObjectStore } from '../object-store/local-dir-object-store';
import type { ObjectStore } from '../object-store/object-store';
import { MemorySessionStore } from '../session-store/memory-session-store';
import type { SessionStore } from '../session-store/session-store';

/** Redis when REDIS_URL is set, else in-process. Shared with the standalone gateway process. */
export async function openSessionStore(env: Env): Promise<SessionStore> {
  if (!env.REDIS_URL) return new MemorySessionStore();
  const { RedisSessionStore } = await import('../session-store/redis-session-store');
  return new RedisSessionStore({ url: env.REDIS_URL });
}

/** MinIO/S3 when S3_ENDPOINT is set, else a local directory; the buckets exist when it returns. */
export async function openObjectStore(env: Env): Promise<ObjectStore> {
  const store = await createObjectStore(env);
  // The critical buckets are versioned (the design's "versioning for critical buckets"): lab configs keep
  // every uploaded version, and archived student volumes, which exist nowhere else, survive an overwrite or
  // a deletion. The backup bucket is the workers' (workers/index.ts). Recordings are write-once per key.
  await store.ensureBucket(env.S3_BUCKET_CONFIGS, { versioned: true });
  await store.ensureBucket(env.S3_BUCKET_VOLUMES, { versioned: true });
  await store.ensureBucket(env.S3_BUCKET_RECORDINGS);
  return store;
}

/** The object store alone, no bucket created: for commands that must report a missing bucket (backups/). */
export async function createObjectStore(env: Env): Promise<ObjectStore> {
  if (!env.S3_ENDPOINT) return new LocalDirObjectStore({ root: path.join(env.AUTOLABS_DATA_DIR, 'objects') });
  const { MinioObjectStore } = await import('../object-store/minio-object-store');
  return new MinioObjectStore({
    endpoint: env.S3_ENDPOINT,
    accessKey: env.S3_ACCESS_KEY as string,
    secretKey: env.S3_SECRET_KEY as string,
    region: env.S3_REGION,
  });
}
