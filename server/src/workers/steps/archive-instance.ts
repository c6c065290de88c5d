/**
 * lab.archive: keep a copy of an instance's storage, then free it. The storage is exported by the runtime
 * as tar, gzipped on the way into the volumes bucket under `<deploymentId>/<instanceId>.tar.gz`; the
 * sha256 and size of what was uploaded are checked against the object read back (archives/archive-digest.ts),
 * and only then is the storage destroyed and the digest recorded on the row. A failed export, upload or
 * check leaves the storage as it was, and the job fails (to be retried). Redelivery converges: an upload is
 * an atomic replace, and when the storage is already gone (destroyed by an earlier delivery that died
 * before the row was updated) an object already in the bucket is taken as the archive, its digest read
 * from it.
 */
import { AppError } from '@autolabs/common/errors/app-error';
import { archiveBytes } from '../../ops/lab-metrics';
import { auditInstance } from '../audit';
import type { WorkerContext } from '../worker-context';
import { stopInstance } from './stop-instance';
import { handleOf } from '../../runtime/runtime-handle';
import { digestOfObject, uploadArchive, verifyArchive, type ArchiveDigest } from '../../archives/archive-digest';

export type ArchiveOutcome = 'archived' | 'already-archived' | 'skipped';

export function archiveKeyOf(instance: { id: string; deploymentId: string }): string {
  return `${instance.deploymentId}/${instance.id}.tar.gz`;
}

export async function archiveInstance(ctx: WorkerContext, instanceId: string): Promise<ArchiveOutcome> {
  const { prisma } = ctx.services.db;
  const { runtime, objectStore, env } = ctx.services;
  const instance = await prisma.labInstance.findUnique({ where: { id: instanceId } });
  if (!instance) {
    ctx.log.warn({ instanceId }, 'lab.archive for an instance that does not exist; dropped');
    return 'skipped';
  }
  if (instance.status === 'archived') return 'already-archived';
  if (instance.status !== 'stopped' && instance.status !== 'failed') await stopInstance(ctx, instanceId, 'deployment');

  const bucket = env.S3_BUCKET_VOLUMES;
  const key = archiveKeyOf(instance);
  let archive: (ArchiveDigest & { key: string }) | null = null;
  if (instance.runtimeHandle) {
    const handle = handleOf(instance);
    if (!runtime.exportStorage) {
      throw new AppError('NOT_AVAILABLE_YET', `the ${runtime.name} runtime cannot export storage for archiving`);
    }
    const tar = await runtime.exportStorage(handle);
    if (tar) {
      const uploaded = await uploadArchive(objectStore, bucket, key, tar);
      await verifyArchive(objectStore, bucket, key, uploaded);
      archiveBytes.inc(uploaded.size);
      archive = { key, ...uploaded };
    } else if ((await objectStore.list(bucket, key)).some((o) => o.key === key)) {
      archive = { key, ...(await digestOfObject(objectStore, bucket, key)) };
    }
    await runtime.destroy(handle);
  }
  const done = await prisma.labInstance.updateMany({
    where: { id: instanceId, status: { not: 'archived' } },
    data: {
      status: 'archived',
      archivedAt: new Date(),
      archiveKey: archive?.key ?? null,
      archiveSha256: archive?.sha256 ?? null,
      archiveSize: archive === null ? null : BigInt(archive.size),
    },
  });
  if (done.count === 0) return 'already-archived';
  const detail = archive === null ? { archiveKey: null } : { archiveKey: archive.key, sha256: archive.sha256, size: archive.size };
  await auditInstance(ctx, 'lab.instance.archive', instanceId, 'success', detail);
  ctx.log.info({ instanceId, ...detail }, 'lab instance archived');
  return 'archived';
}
