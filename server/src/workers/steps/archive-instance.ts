/**
 * lab.archive: keep a copy of an instance's storage, then free it. The storage is exported by the runtime
 * as tar, gzipped on the way into the volumes bucket under `<deploymentId>/<instanceId>.tar.gz`, and only
 * after that upload succeeded is the storage destroyed. Redelivery converges: an upload is an atomic
 * replace, and when the storage is already gone (destroyed by an earlier delivery that died before the
 * row was updated) an object already in the bucket is taken as the archive.
 */
import { pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import { AppError } from '../../errors/app-error';
import { auditInstance } from '../audit';
import type { WorkerContext } from '../worker-context';
import { stopInstance } from './stop-instance';
import { handleOf } from '../../runtime/runtime-handle';

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
  let archiveKey: string | null = null;
  if (instance.runtimeHandle) {
    const handle = handleOf(instance);
    if (!runtime.exportStorage) {
      throw new AppError('NOT_AVAILABLE_YET', `the ${runtime.name} runtime cannot export storage for archiving`);
    }
    const tar = await runtime.exportStorage(handle);
    if (tar) {
      const gz = pipeline(tar, createGzip(), (err) => {
        if (err) ctx.log.error({ err, instanceId }, 'archive stream failed');
      });
      await objectStore.put(bucket, key, gz, { contentType: 'application/gzip' });
      archiveKey = key;
    } else if ((await objectStore.list(bucket, key)).some((o) => o.key === key)) {
      archiveKey = key;
    }
    await runtime.destroy(handle);
  }
  const done = await prisma.labInstance.updateMany({
    where: { id: instanceId, status: { not: 'archived' } },
    data: { status: 'archived', archivedAt: new Date(), archiveKey },
  });
  if (done.count === 0) return 'already-archived';
  await auditInstance(ctx, 'lab.instance.archive', instanceId, 'success', { archiveKey });
  ctx.log.info({ instanceId, archiveKey }, 'lab instance archived');
  return 'archived';
}
