/**
 * The Pod of one lab instance: one container per lab container, the storage PVC mounted in the terminal
 * container. Pure: same request, same Pod, so tests compare it by exact equality.
 *
 * Security choices, and why:
 * - no service account token and no service links: a lab must not learn about or talk to the cluster;
 * - every container drops ALL capabilities and may not gain privileges (no_new_privs). A container with
 *   `ssh: true` gets back only what sshd needs to bind port 22, set up a pty and switch to the student; a
 *   container that declares ports gets back what a server started as root needs to bind a low port and
 *   drop to its own user (nginx, Apache: bind 80, setuid/setgid, chown its temp files, signal its
 *   workers); anything else runs with none;
 * - runAsNonRoot is NOT set: the lab images start sshd as root (it must switch users), so the kubelet
 *   would refuse them. The capability set, not the uid, is what limits root here;
 * - containers of a lab share the pod's network namespace, so each container's name resolves to
 *   127.0.0.1 (hostAliases): the config promises "other containers reach it by this host name".
 */
import type { V1Container, V1Pod, V1Toleration, V1Volume } from '@kubernetes/client-node';
import type { LabContainer } from '../../../labs/lab-config';
import { resolveLabImage, type ImageRewrite } from '../../images/image-rewrites';
import type { StartRequest } from '../../lab-runtime';
import type { InstanceNames } from '../names';
import { instanceLabels } from './labels';

export const STORAGE_VOLUME = 'storage';
export const SSH_PORT = 22;
/** The pod annotation holding the student's public keys, and where ssh containers read them (lab-images/common/sshd_config). */
export const AUTHORIZED_KEYS_ANNOTATION = 'autolabs.io/authorized-keys';
const SSH_KEYS_VOLUME = 'ssh-keys';
const AUTHORIZED_KEYS_FILE = '/etc/autolabs/authorized_keys';
/** What OpenSSH's privilege separation needs: bind 22, chown the pty, chroot, switch uid/gid, audit. */
export const SSHD_CAPABILITIES = ['AUDIT_WRITE', 'CHOWN', 'NET_BIND_SERVICE', 'SETGID', 'SETUID', 'SYS_CHROOT'];
/** What a server started as root needs to bind its port and run its workers as another user. */
export const SERVER_CAPABILITIES = ['CHOWN', 'KILL', 'NET_BIND_SERVICE', 'SETGID', 'SETUID'];

function capabilitiesOf(c: LabContainer): { drop: string[]; add?: string[] } {
  const add = new Set([...(c.ssh ? SSHD_CAPABILITIES : []), ...(c.ports.length > 0 ? SERVER_CAPABILITIES : [])]);
  return add.size === 0 ? { drop: ['ALL'] } : { drop: ['ALL'], add: [...add].sort() };
}

/** Where this installation's lab pods run and pull from (LAB_NODE_SELECTOR, LAB_TOLERATIONS, LAB_IMAGE_*). */
export interface PodSettings {
  imageRewrites: ImageRewrite[];
  nodeSelector: Record<string, string>;
  tolerations: V1Toleration[];
}

export const DEFAULT_POD_SETTINGS: PodSettings = { imageRewrites: [], nodeSelector: {}, tolerations: [] };

export function makePod(req: StartRequest, names: InstanceNames, namespace: string, settings: PodSettings = DEFAULT_POD_SETTINGS): V1Pod {
  const { config } = req;
  const hasSsh = config.spec.containers.some((c) => c.ssh);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: names.pod,
      namespace,
      labels: instanceLabels(req),
      // Public keys, not secrets: the downward API turns the annotation into sshd's authorized_keys file.
      ...(hasSsh ? { annotations: { [AUTHORIZED_KEYS_ANNOTATION]: authorizedKeys(req) } } : {}),
    },
    spec: {
      hostname: config.metadata.name,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      restartPolicy: 'Always',
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      hostAliases: [{ ip: '127.0.0.1', hostnames: config.spec.containers.map((c) => c.name) }],
      ...(Object.keys(settings.nodeSelector).length === 0 ? {} : { nodeSelector: settings.nodeSelector }),
      ...(settings.tolerations.length === 0 ? {} : { tolerations: settings.tolerations }),
      containers: config.spec.containers.map((c) => makeContainer(c, config.spec.storage.mountPath, settings.imageRewrites)),
      volumes: [
        { name: STORAGE_VOLUME, persistentVolumeClaim: { claimName: names.pvc } },
        ...(hasSsh ? [sshKeysVolume()] : []),
      ],
    },
  };
}

function authorizedKeys(req: StartRequest): string {
  const keys = (req.sshAuthorizedKeys ?? []).map((k) => k.trim()).filter(Boolean);
  return keys.length === 0 ? '' : `${keys.join('\n')}\n`;
}

function sshKeysVolume(): V1Volume {
  return {
    name: SSH_KEYS_VOLUME,
    downwardAPI: { defaultMode: 0o644, items: [{ path: 'authorized_keys', fieldRef: { fieldPath: `metadata.annotations['${AUTHORIZED_KEYS_ANNOTATION}']` } }] },
  };
}

function makeContainer(c: LabContainer, mountPath: string, imageRewrites: ImageRewrite[]): V1Container {
  const volumeMounts = [
    ...(c.terminal ? [{ name: STORAGE_VOLUME, mountPath }] : []),
    // The file alone (subPath): the volume's own directory is world-writable with the sticky bit, and sshd's
    // StrictModes refuses keys in such a directory.
    ...(c.ssh ? [{ name: SSH_KEYS_VOLUME, mountPath: AUTHORIZED_KEYS_FILE, subPath: 'authorized_keys', readOnly: true }] : []),
  ];
  const ports = c.ports.map((p) => ({ ...(p.name === undefined ? {} : { name: p.name }), containerPort: p.containerPort, protocol: p.protocol }));
  if (c.ssh && !ports.some((p) => p.containerPort === SSH_PORT)) ports.push({ name: 'ssh', containerPort: SSH_PORT, protocol: 'TCP' });
  return {
    name: c.name,
    // Unchanged without rewrites, so a lab's own reference reaches the node as the teacher wrote it.
    image: imageRewrites.length === 0 ? c.image : resolveLabImage(c.image, imageRewrites),
    ...(c.command === undefined ? {} : { command: c.command }),
    ...(c.args === undefined ? {} : { args: c.args }),
    ...(c.env === undefined ? {} : { env: Object.entries(c.env).map(([name, value]) => ({ name, value })) }),
    ...(ports.length === 0 ? {} : { ports }),
    resources: {
      requests: { cpu: c.resources.requests.cpu, memory: c.resources.requests.memory },
      limits: { cpu: c.resources.limits.cpu, memory: c.resources.limits.memory },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: capabilitiesOf(c),
    },
    ...(volumeMounts.length === 0 ? {} : { volumeMounts }),
  };
}
