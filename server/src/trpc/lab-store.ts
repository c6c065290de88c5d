/**
 * Lab configs: the YAML lives in the object store under a content-addressed key (`sha256/<hex>.yaml`),
 * the metadata in lab_configs. Upload writes the object first (idempotent: same bytes, same key), then
 * the row in a transaction; if the row cannot be written the object is removed again unless another
 * version already uses it, so a failed upload leaves nothing behind. Versions are numbered per owner
 * (lab-owner.ts): the course uploaded into, or the author when there is none.
 */
import { createHash } from 'node:crypto';
import { AppError } from '@autolabs/common/errors/app-error';
import type { LabConfig as LabConfigRow } from '../generated/prisma/client';
import { parseLabConfig, type LabConfig } from '../labs/lab-config';
import { LabConfigCache } from '../labs/lab-config-cache';
import { labOwner } from '../labs/lab-owner';
import type { ApiServices } from './api-services';

export function labObjectKey(sha256: string): string {
  return `sha256/${sha256}.yaml`;
}

export async function storeLab(
  services: ApiServices,
  yaml: string,
  opts: { createdById: string; courseId: string | null },
): Promise<LabConfigRow> {
  const size = Buffer.byteLength(yaml, 'utf8');
  if (size > services.env.MAX_UPLOAD_BYTES) {
    throw new AppError('PAYLOAD_TOO_LARGE', `the lab file is ${size} bytes; at most ${services.env.MAX_UPLOAD_BYTES} are accepted`, { field: 'yaml' });
  }
  const config = parseLabConfig(yaml);
  const sha256 = createHash('sha256').update(yaml, 'utf8').digest('hex');
  const prisma = services.db.prisma;
  const series = { owner: labOwner(opts), name: config.metadata.name };
  const latest = await prisma.labConfig.findFirst({ where: series, orderBy: { version: 'desc' } });
  // Uploading the same file again is not a new version.
  if (latest && latest.sha256 === sha256) return latest;

  const bucket = services.env.S3_BUCKET_CONFIGS;
  const objectKey = labObjectKey(sha256);
  await services.objectStore.ensureBucket(bucket);
  await services.objectStore.put(bucket, objectKey, yaml, { contentType: 'application/yaml' });
  try {
    return await prisma.$transaction(async (tx) => {
      // Versions of one series are numbered one after another even when two teachers upload at once.
      await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', `lab-config:${series.owner}:${series.name}`);
      const last = await tx.labConfig.findFirst({ where: series, orderBy: { version: 'desc' } });
      return tx.labConfig.create({
        data: {
          ...series,
          version: (last?.version ?? 0) + 1,
          title: config.metadata.title,
          description: config.metadata.description,
          objectKey,
          sha256,
          recording: config.spec.recording,
          createdById: opts.createdById,
          courseId: opts.courseId,
        },
      });
    });
  } catch (e) {
    const users = await prisma.labConfig.count({ where: { objectKey } }).catch(() => 1);
    if (users === 0) await services.objectStore.delete(bucket, objectKey).catch(() => undefined);
    throw e;
  }
}

/** One cache per object store (the API process has one): see labs/lab-config-cache.ts. */
const caches = new WeakMap<ApiServices['objectStore'], LabConfigCache>();

function cacheOf(services: ApiServices): LabConfigCache {
  let cache = caches.get(services.objectStore);
  if (!cache) {
    cache = new LabConfigCache(services.objectStore, services.env.S3_BUCKET_CONFIGS);
    caches.set(services.objectStore, cache);
  }
  return cache;
}

export function readLabYaml(services: ApiServices, row: Pick<LabConfigRow, 'objectKey'>): Promise<string> {
  return cacheOf(services).yaml(row);
}

export function loadLabConfig(services: ApiServices, row: Pick<LabConfigRow, 'objectKey' | 'sha256'>): Promise<LabConfig> {
  return cacheOf(services).get(row);
}
