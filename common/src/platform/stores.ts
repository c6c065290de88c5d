/**
 * The session store and object store chosen from the environment. Apart from services.ts because the
 * standalone gateway needs these two and nothing else: importing services.ts would load Prisma and PGlite
 * (about 100 MiB) into a process that never touches the database.
 */
import path from 'node:path';
import type { Env } from '../config/env';
import { LocalDirObjectStore } from '../object-store/local-dir-object-store';
import { MinioObjectStore } from '../object-store/minio-object-store';
import type { ObjectStore } from '../object-store/object-store';
import { MemorySessionStore } from '../session-store/memory-session-store';
import { RedisSessionStore } from '../session-store/redis-session-store';
import type { SessionStore } from '../session-store/session-store';

/** Redis when REDIS_URL is set, else in-process. Shared with the standalone gateway process. */
export function openSessionStore(env: Env): SessionStore {
  return env.REDIS_URL ? new RedisSessionStore({ url: env.REDIS_URL }) : new MemorySessionStore();
}

/** MinIO/S3 when S3_ENDPOINT is set, else a local directory; the buckets exist when it returns. */
export async function openObjectStore(env: Env): Promise<ObjectStore> {
  const store = createObjectStore(env);
  // The critical buckets are versioned (the design's "versioning for critical buckets"): lab configs keep
  // every uploaded version, and archived student volumes, which exist nowhere else, survive an overwrite or
  // a deletion. The backup bucket is the workers' (workers/index.ts). Recordings are write-once per key.
  await store.ensureBucket(env.S3_BUCKET_CONFIGS, { versioned: true });
  await store.ensureBucket(env.S3_BUCKET_VOLUMES, { versioned: true });
  await store.ensureBucket(env.S3_BUCKET_RECORDINGS);
  return store;
}

/** The object store alone, no bucket created: for commands that must report a missing bucket (backups/). */
export function createObjectStore(env: Env): ObjectStore {
  return env.S3_ENDPOINT
    ? new MinioObjectStore({
        endpoint: env.S3_ENDPOINT,
        accessKey: env.S3_ACCESS_KEY as string,
        secretKey: env.S3_SECRET_KEY as string,
        region: env.S3_REGION,
      })
    : new LocalDirObjectStore({ root: path.join(env.AUTOLABS_DATA_DIR, 'objects') });
}
