/**
 * Reading and filling an instance's PVC (exportStorage / importStorage): a short-lived pod mounts the claim
 * (manifests/storage-pod.ts), tar runs in it through an exec, and the archive streams over that exec's
 * connection, never through a file on the node or a container log (kubelet rotates and truncates logs).
 * The pod is deleted afterwards in every case: success, a failing tar, a timeout, or a reader that gave up.
 * A pod of the same name left by a dead worker is deleted first, so a retry starts clean.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '@autolabs/common/errors/app-error';
import { exitCodeOf } from '@autolabs/common/lab-access/kubernetes/exec-status';
import type { KubeClient, StreamingExecOutput } from './kube-client';
import type { KubernetesHandle } from './kube-handle';
import type { PodSettings } from './manifests/pod';
import { EXPORT_COMMAND, IMPORT_COMMAND, makeStoragePod, STORAGE_CONTAINER, storagePodName, type StorageTransfer } from './manifests/storage-pod';
import { podPhase } from './pod-phase';
import { pollUntil } from './poll-until';

export interface StorageTransferOptions {
  /** The storage pod's image (LAB_STORAGE_IMAGE), before the lab pods' image rewrites. */
  image: string;
  pod: PodSettings;
  /** How long the storage pod may take to run (an image pull, a volume attach). */
  startTimeoutMs: number;
  /** How long one export or import may stream; also the pod's own deadline. */
  transferTimeoutMs: number;
  deleteTimeoutMs: number;
  log: FastifyBaseLogger;
}

const STDERR_BYTES = 16 * 1024;

/**
 * The stream exportVolume returns: it closes only once the storage pod is gone, so whoever destroys it
 * early (a failed upload) and waits for 'close' knows nothing of the export is left on the cluster.
 */
class ExportStream extends PassThrough {
  constructor(private readonly beforeClose: () => Promise<void>) {
    super();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.beforeClose().then(
      () => done(err),
      (e: unknown) => done(err ?? (e as Error)),
    );
  }
}

/** The volume as an uncompressed tar stream, or null when the PVC is gone. The stream errors if tar fails. */
export async function exportVolume(client: KubeClient, opts: StorageTransferOptions, h: KubernetesHandle): Promise<Readable | null> {
  if ((await client.readPvc(h.namespace, h.pvc)) === null) return null;
  const pod = await runStoragePod(client, opts, h, 'export');
  // Deleting the pod also ends an exec still running in it (a reader that gave up early).
  const cleanup = once(() => removeStoragePod(client, opts, h, pod));
  const out = new ExportStream(cleanup);
  const target = { namespace: h.namespace, pod, container: STORAGE_CONTAINER };
  void client
    .execStreaming(target, EXPORT_COMMAND, { stdout: out, timeoutMs: opts.transferTimeoutMs, maxStderrBytes: STDERR_BYTES })
    .then((result) => transferError(result, 'export', h, opts.transferTimeoutMs))
    .catch((e: unknown) => e as Error)
    .then(async (err) => {
      const removed = await cleanup().then(
        () => null,
        (e: unknown) => e as Error,
      );
      if (err ?? removed) out.destroy(err ?? removed ?? undefined);
      else out.end();
    });
  return out;
}

/** Unpacks an uncompressed tar stream into the instance's PVC, which must exist (the instance has started once). */
export async function importVolume(client: KubeClient, opts: StorageTransferOptions, h: KubernetesHandle, tar: Readable): Promise<void> {
  if ((await client.readPvc(h.namespace, h.pvc)) === null) {
    throw new AppError('CONFLICT', `instance ${h.instanceId} has no storage to restore into (PersistentVolumeClaim ${h.namespace}/${h.pvc} does not exist)`, { field: 'instanceId' });
  }
  const pod = await runStoragePod(client, opts, h, 'import');
  try {
    const sink = new PassThrough();
    sink.resume();
    const target = { namespace: h.namespace, pod, container: STORAGE_CONTAINER };
    let sourceError: Error | undefined;
    tar.once('error', (e) => (sourceError = e));
    const result = await client.execStreaming(target, IMPORT_COMMAND, { stdout: sink, stdin: tar, timeoutMs: opts.transferTimeoutMs, maxStderrBytes: STDERR_BYTES });
    if (sourceError) throw new AppError('RUNTIME_UNAVAILABLE', `restoring into ${h.namespace}/${h.pvc} failed: the archive could not be read: ${sourceError.message}`, { cause: sourceError });
    const err = transferError(result, 'import', h, opts.transferTimeoutMs);
    if (err) throw err;
  } finally {
    await removeStoragePod(client, opts, h, pod);
  }
}

/** Deletes the storage pods a dead worker may have left (without waiting: the PVC's deletion waits for them). */
export async function removeLeftStoragePods(client: KubeClient, h: KubernetesHandle): Promise<void> {
  for (const transfer of ['export', 'import'] as const) await client.deletePod(h.namespace, storagePodName(h.pod, transfer), 0);
}

/** Creates the storage pod (after removing a stale one) and waits until it runs; returns its name. */
async function runStoragePod(client: KubeClient, opts: StorageTransferOptions, h: KubernetesHandle, transfer: StorageTransfer): Promise<string> {
  const name = storagePodName(h.pod, transfer);
  await removeStoragePod(client, opts, h, name);
  const body = makeStoragePod(h, h.namespace, transfer, { image: opts.image, deadlineSeconds: Math.ceil((opts.startTimeoutMs + opts.transferTimeoutMs) / 1000), settings: opts.pod });
  await client.createPod(h.namespace, body);
  let last: V1Pod | null = null;
  try {
    await pollUntil(
      { what: `storage pod ${h.namespace}/${name} to run`, timeoutMs: opts.startTimeoutMs, lastSeen: () => describe(last) },
      async () => {
        last = await client.readPod(h.namespace, name);
        if (last === null) throw new AppError('RUNTIME_UNAVAILABLE', `storage pod ${h.namespace}/${name} disappeared before it ran`);
        const now = podPhase(last, true);
        if (now.phase === 'failed') throw new AppError('RUNTIME_UNAVAILABLE', `storage pod ${h.namespace}/${name} failed: ${now.reason}`);
        return now.phase === 'running' ? true : undefined;
      },
    );
  } catch (e) {
    await removeStoragePod(client, opts, h, name);
    throw e;
  }
  opts.log.info({ instanceId: h.instanceId, pod: name, node: (last as V1Pod | null)?.spec?.nodeName, transfer }, 'storage pod running');
  return name;
}

async function removeStoragePod(client: KubeClient, opts: StorageTransferOptions, h: KubernetesHandle, name: string): Promise<void> {
  await client.deletePod(h.namespace, name, 0);
  await pollUntil({ what: `storage pod ${h.namespace}/${name} to be deleted`, timeoutMs: opts.deleteTimeoutMs }, async () =>
    (await client.readPod(h.namespace, name)) === null ? true : undefined,
  );
}

/** Why an export or import did not succeed, or null when tar exited 0. */
function transferError(result: StreamingExecOutput, transfer: StorageTransfer, h: KubernetesHandle, timeoutMs: number): AppError | null {
  const what = `${transfer === 'export' ? 'archiving' : 'restoring into'} ${h.namespace}/${h.pvc}`;
  if (result.timedOut) return new AppError('RUNTIME_UNAVAILABLE', `${what} did not finish within ${Math.round(timeoutMs / 1000)} s`);
  if (result.status === null) return new AppError('RUNTIME_UNAVAILABLE', `${what} ended without an exit status (connection lost)`);
  const code = exitCodeOf(result.status);
  if (code === 0) return null;
  const stderr = result.stderr.trim().split('\n').slice(-5).join('; ');
  return new AppError('RUNTIME_UNAVAILABLE', `${what} failed: tar exited with ${code ?? result.status.message ?? 'an error'}${stderr ? `: ${stderr}` : ''}`, {
    detail: { stderr: result.stderr },
  });
}

function describe(pod: V1Pod | null): string | undefined {
  if (pod === null) return undefined;
  const s = podPhase(pod, true);
  return [s.phase, s.reason].filter(Boolean).join(': ');
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}
