/**
 * The short-lived pod that reads (export) or fills (import) one instance's PVC for archiving and restore.
 * It only sleeps: the runtime execs tar in it and streams the archive over the exec connection, then
 * deletes it. Pure: same input, same Pod, so tests compare it by exact equality.
 *
 * Security choices, and why:
 * - no service account token and no service links: it never talks to the cluster;
 * - it runs as STORAGE_UID (the `student` user of the autolabs images, whose files fill the volume), not
 *   as root: every capability dropped, no privilege gain, a read-only root file system; an export mounts
 *   the claim read-only. A file the student cannot read makes the export fail (and the PVC stay) rather
 *   than be left out silently;
 * - it has its own `app` label, so the lab's Service and NetworkPolicy never select it;
 * - `activeDeadlineSeconds` ends it even if the process that made it dies before deleting it.
 * It takes the lab pods' node selector and tolerations; the scheduler then puts it where the claim's
 * volume is (a local volume's PersistentVolume carries node affinity), so a ReadWriteOnce volume is read
 * on its own node.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { resolveLabImage } from '../../images/image-rewrites';
import { instanceLabelValue } from '../names';
import { INSTANCE_LABEL, MANAGED_BY } from './labels';
import { DEFAULT_POD_SETTINGS, STORAGE_VOLUME, type PodSettings } from './pod';

export type StorageTransfer = 'export' | 'import';

/** The autolabs images' `student` (Debian's first user). */
export const STORAGE_UID = 1000;
/** Where the claim is mounted in the pod. */
export const STORAGE_MOUNT = '/data';
export const STORAGE_CONTAINER = 'storage';
/** Debian's base image, which every lab image starts from: GNU tar, find and bash. */
export const DEFAULT_STORAGE_IMAGE = 'autolabs/base:bookworm';

export interface StoragePodTarget {
  instanceId: string;
  /** The lab pod's name, the base of this pod's. */
  pod: string;
  pvc: string;
}

/** `<lab pod>-export` / `-import`, cut so that it stays a 63-character DNS label. */
export function storagePodName(labPod: string, transfer: StorageTransfer): string {
  return `${labPod.slice(0, 63 - transfer.length - 1).replace(/-+$/, '')}-${transfer}`;
}

export function makeStoragePod(
  target: StoragePodTarget,
  namespace: string,
  transfer: StorageTransfer,
  opts: { image: string; deadlineSeconds: number; settings?: PodSettings },
): V1Pod {
  const settings = opts.settings ?? DEFAULT_POD_SETTINGS;
  const readOnly = transfer === 'export';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: storagePodName(target.pod, transfer),
      namespace,
      labels: { app: 'lab-storage', [INSTANCE_LABEL]: instanceLabelValue(target.instanceId), 'autolabs.io/storage-transfer': transfer, ...MANAGED_BY },
    },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      restartPolicy: 'Never',
      activeDeadlineSeconds: opts.deadlineSeconds,
      terminationGracePeriodSeconds: 0,
      securityContext: { runAsUser: STORAGE_UID, runAsGroup: STORAGE_UID, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      ...(Object.keys(settings.nodeSelector).length === 0 ? {} : { nodeSelector: settings.nodeSelector }),
      ...(settings.tolerations.length === 0 ? {} : { tolerations: settings.tolerations }),
      containers: [
        {
          name: STORAGE_CONTAINER,
          image: settings.imageRewrites.length === 0 ? opts.image : resolveLabImage(opts.image, settings.imageRewrites),
          command: ['sleep', String(opts.deadlineSeconds)],
          resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
          volumeMounts: [{ name: STORAGE_VOLUME, mountPath: STORAGE_MOUNT, readOnly }],
        },
      ],
      volumes: [{ name: STORAGE_VOLUME, persistentVolumeClaim: { claimName: target.pvc, readOnly } }],
    },
  };
}

/**
 * Packs the volume as LabRuntime.exportStorage promises: an uncompressed tar of `./...` entries, symlinks
 * stored as links, only regular files, directories and symlinks (FIFOs, sockets and devices left out, as
 * the local runtime does), no user names or ids of the node. Any file it cannot read fails the command.
 */
export const EXPORT_COMMAND = [
  'bash',
  '-c',
  `set -o pipefail; cd ${STORAGE_MOUNT} && find . \\( -type f -o -type d -o -type l \\) -print0 | tar --null --no-recursion --files-from=- --numeric-owner --owner=0 --group=0 -cf -`,
];

/**
 * Unpacks stdin into the volume as the student: files get the student as owner; directories that exist
 * keep their owner and mode; GNU tar refuses members with `..` or absolute paths. The archive's `./`
 * member is skipped (`--no-recursion` makes the exclusion skip that member only, not what is under it):
 * the volume's root belongs to root, and the student may not change its mode, which tar would try.
 */
export const IMPORT_COMMAND = ['tar', '-xf', '-', '-C', STORAGE_MOUNT, '--no-same-owner', '--no-overwrite-dir', '--no-recursion', '--exclude=.'];
