/**
 * KubernetesRuntime: one Pod (a container per lab container), an SSH NodePort Service, a NetworkPolicy and
 * a PVC per lab instance, in one namespace (LAB_NAMESPACE). Manifests come from the pure builders in
 * manifests/; every API call goes through kube-client.ts.
 *
 * State semantics (LabRuntime): `status` asks the apiserver every time, so it answers the same from a new
 * process (the handle names the objects):
 * - 'absent' when neither the Pod nor the PVC exists (before start, after destroy);
 * - 'pending' while the Pod is scheduled / its containers start; 'running' once it runs;
 * - 'failed' with a reason when a container cannot start (bad image, crash loop) or the Pod ended;
 * - 'stopped' when the Pod is gone (or going) but the PVC remains (after stop).
 * An unreachable apiserver makes `status` throw RUNTIME_UNAVAILABLE rather than report the lab as failed.
 * `start` creates what is missing (409 AlreadyExists is fine), so it is idempotent and resumes a start
 * that a dead worker left half-done. A lab whose terminal goes over SSH also trusts the platform key and,
 * once running, publishes its sshd's host key, which the handle keeps with the pod's IP for the gateway's
 * ssh2 backend (terminalTarget). `stop` removes Pod, Service and NetworkPolicy and waits until the
 * Pod is gone; `destroy` also removes the PVC. `exportStorage` and `importStorage` stream the PVC through
 * a short-lived storage pod on the volume's node (storage-transfer.ts).
 */
import type { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import type { KubeConfig } from '@kubernetes/client-node';
import { AppError } from '@autolabs/common/errors/app-error';
import { LAB_SSH_PORT } from '../lab-host-key';
import { chooseTerminalBackend, SSH_TERMINAL_USER, type TerminalBackendChoice } from '../terminal-backend-choice';
import type { LabConfig, LabContainer } from '../../labs/lab-config';
import type { ExecOptions, HeldInstance, InstanceStatus, LabRuntime, ProgressEvent, RuntimeHandle, StartRequest } from '../lab-runtime';
import type { TerminalTarget } from '@autolabs/common/lab-access/terminal-target';
import { checkExecCommand, checkRunning, execContainer } from '../exec-checks';
import { checkNamespaceAccess } from './check-access';
import { exitCodeOf } from '@autolabs/common/lab-access/kubernetes/exec-status';
import { KubeClient, type Verb } from './kube-client';
import { kubernetesHandleOf, type KubernetesHandle } from './kube-handle';
import { heldInstances, LAB_OBJECTS_SELECTOR } from './inventory';
import { asStudent } from './as-student';
import { DEFAULT_GATEWAY_PEER, type GatewayPeer } from './manifests/network-policy';
import { DEFAULT_POD_SETTINGS, type PodSettings } from './manifests/pod';
import { DEFAULT_STORAGE_IMAGE } from './manifests/storage-pod';
import { readPodHostKey } from './pod-host-key';
import { podPhase } from './pod-phase';
import { pollUntil } from './poll-until';
import { lookupAll, type HostResolver } from './resolve-hosts';
import { instanceHandle, startInstance, type StartOptions } from './start-instance';
import { exportVolume, importVolume, removeLeftStoragePods, type StorageTransferOptions } from './storage-transfer';

export interface KubernetesRuntimeOptions {
  kubeConfig: KubeConfig;
  /** Where lab objects live (LAB_NAMESPACE). */
  namespace: string;
  log: FastifyBaseLogger;
  /** How long `start` waits for the Pod to run. Default 5 minutes (image pulls). */
  startTimeoutMs?: number;
  /** How long `stop` / `destroy` wait for the Pod / PVC to be gone. Default 2 minutes. */
  deleteTimeoutMs?: number;
  /** Host name students use for SSH; by default the IP of the node the Pod runs on. */
  sshHost?: string;
  /** Which pods may open connections to labs (see manifests/network-policy.ts). */
  gateway?: GatewayPeer;
  /** StorageClass for lab PVCs; by default the cluster's default class. */
  storageClassName?: string;
  /** Node selector, tolerations and image rewrites of lab pods; none by default. */
  pod?: PodSettings;
  resolveHost?: HostResolver;
  /** Client-side API request limit; default DEFAULT_API_LIMIT (kube-client.ts). */
  apiLimit?: { qps: number; burst: number };
  /** Image of the storage pod that archives and restores PVCs (LAB_STORAGE_IMAGE); default autolabs/base:bookworm, rewritten as lab images are. */
  storageImage?: string;
  /** How long one archive or restore may stream. Default 30 minutes. */
  storageTransferTimeoutMs?: number;
  /** The installation's way into lab terminals (TERMINAL_BACKEND); a lab's spec.terminal.backend wins. Default exec. */
  terminalBackend?: TerminalBackendChoice;
  /**
   * The platform key's public line (LAB_SSH_PUBLIC_KEY): labs whose terminal goes over SSH trust it as an
   * authorized key of the terminal user, beside the students' keys. Without it terminals are execs.
   */
  labSshPublicKey?: string | null;
}

/** The shell the browser terminal opens: a login bash when the image has one, else sh. */
export const TERMINAL_COMMAND = ['/bin/sh', '-c', 'exec bash -l || exec sh'];
const EXEC_DEFAULT_TIMEOUT_MS = 60_000;
const EXEC_MAX_BYTES = 1024 * 1024;
/** Exit code of a command cut off by the timeout, as coreutils' `timeout` and LocalRuntime report it. */
const TIMED_OUT_EXIT_CODE = 124;
const STOP_GRACE_SECONDS = 5;

export class KubernetesRuntime implements LabRuntime {
  readonly name = 'kubernetes' as const;
  private readonly client: KubeClient;
  private readonly namespace: string;
  private readonly log: FastifyBaseLogger;
  private readonly startOptions: StartOptions;
  private readonly deleteTimeoutMs: number;
  private readonly sshHost: string | undefined;
  private readonly storage: StorageTransferOptions;
  private readonly terminalBackend: TerminalBackendChoice;
  private readonly labSshPublicKey: string | null;

  constructor(opts: KubernetesRuntimeOptions) {
    this.client = new KubeClient(opts.kubeConfig, opts.apiLimit);
    this.namespace = opts.namespace;
    this.log = opts.log;
    this.startOptions = {
      namespace: opts.namespace,
      gateway: opts.gateway ?? DEFAULT_GATEWAY_PEER,
      storageClassName: opts.storageClassName,
      pod: opts.pod ?? DEFAULT_POD_SETTINGS,
      resolveHost: opts.resolveHost ?? lookupAll,
      startTimeoutMs: opts.startTimeoutMs ?? 300_000,
    };
    this.deleteTimeoutMs = opts.deleteTimeoutMs ?? 120_000;
    this.sshHost = opts.sshHost;
    this.terminalBackend = opts.terminalBackend ?? 'exec';
    this.labSshPublicKey = opts.labSshPublicKey ?? null;
    this.storage = {
      image: opts.storageImage ?? DEFAULT_STORAGE_IMAGE,
      pod: this.startOptions.pod,
      startTimeoutMs: this.startOptions.startTimeoutMs,
      transferTimeoutMs: opts.storageTransferTimeoutMs ?? 30 * 60_000,
      deleteTimeoutMs: this.deleteTimeoutMs,
      log: opts.log,
    };
  }

  /** API requests this runtime has sent, by verb (benchmarks divide them by the labs started). */
  apiRequests(): Readonly<Record<Verb, number>> {
    return { ...this.client.requests };
  }

  checkAvailable(): Promise<void> {
    return checkNamespaceAccess(this.client, this.namespace);
  }

  async start(req: StartRequest, onProgress?: (e: ProgressEvent) => void): Promise<RuntimeHandle> {
    const progress = (message: string) => onProgress?.({ at: Date.now(), message });
    const ssh = this.sshTerminal(req.config);
    const request = ssh ? { ...req, sshAuthorizedKeys: [...(req.sshAuthorizedKeys ?? []), ssh] } : req;
    try {
      const { handle, pod } = await startInstance(this.client, this.startOptions, request, progress);
      if (pod) this.log.info({ instanceId: req.instanceId, namespace: handle.namespace, pod: handle.pod, node: pod.spec?.nodeName }, 'kubernetes lab instance started');
      if (!ssh) return handle;
      const podIP = (pod ?? (await this.client.readPod(handle.namespace, handle.pod)))?.status?.podIP;
      if (!podIP) throw new AppError('RUNTIME_UNAVAILABLE', `pod ${handle.namespace}/${handle.pod} has no IP`);
      progress('waiting for the lab\'s sshd to publish its host key');
      const target = { namespace: handle.namespace, pod: handle.pod, container: terminalContainer(req.config).name };
      return { ...handle, podIP, sshHostKey: await readPodHostKey(this.client, target, this.startOptions.startTimeoutMs) };
    } catch (e) {
      // A failed start leaves nothing running: its Pod (which would keep pulling a missing image, say),
      // Service and NetworkPolicy go as on stop; the PVC, the student's storage, stays for the next start.
      await this.stop(instanceHandle(req, this.namespace)).catch((err: unknown) =>
        this.log.warn({ err, instanceId: req.instanceId }, 'could not remove what a failed start created'),
      );
      throw e;
    }
  }

  /** The platform key when this lab's terminal goes over SSH (the lab's choice, else the installation's), else null. */
  private sshTerminal(config: LabConfig): string | null {
    return this.labSshPublicKey !== null && chooseTerminalBackend(config, this.terminalBackend) === 'ssh' ? this.labSshPublicKey : null;
  }

  async status(handle: RuntimeHandle): Promise<InstanceStatus> {
    let h: KubernetesHandle;
    try {
      h = kubernetesHandleOf(handle);
    } catch (e) {
      return { phase: 'failed', reason: (e as Error).message };
    }
    const pod = await this.client.readPod(h.namespace, h.pod);
    const storageExists = pod !== null || (await this.client.readPvc(h.namespace, h.pvc)) !== null;
    const status = podPhase(pod, storageExists);
    if (status.phase !== 'running' || h.service === null || pod === null) return status;
    const nodePort = (await this.client.readService(h.namespace, h.service))?.spec?.ports?.find((p) => p.name === 'ssh')?.nodePort;
    const host = this.sshHost ?? pod.status?.hostIP;
    return nodePort && host ? { ...status, sshEndpoint: { host, port: nodePort } } : status;
  }

  async stop(handle: RuntimeHandle): Promise<void> {
    const h = kubernetesHandleOf(handle);
    await this.client.deletePod(h.namespace, h.pod, STOP_GRACE_SECONDS);
    if (h.service !== null) await this.client.deleteService(h.namespace, h.service);
    await this.client.deleteNetworkPolicy(h.namespace, h.networkPolicy);
    await pollUntil({ what: `pod ${h.namespace}/${h.pod} to be deleted`, timeoutMs: this.deleteTimeoutMs }, async () =>
      (await this.client.readPod(h.namespace, h.pod)) === null ? true : undefined,
    );
    this.log.info({ instanceId: h.instanceId, namespace: h.namespace, pod: h.pod }, 'kubernetes lab instance stopped');
  }

  async destroy(handle: RuntimeHandle): Promise<void> {
    await this.stop(handle);
    const h = kubernetesHandleOf(handle);
    await removeLeftStoragePods(this.client, h);
    await this.client.deletePvc(h.namespace, h.pvc);
    // The PVC protection finalizer holds the claim until no pod uses it; wait so `status` then says absent.
    await pollUntil({ what: `PersistentVolumeClaim ${h.namespace}/${h.pvc} to be deleted`, timeoutMs: this.deleteTimeoutMs }, async () =>
      (await this.client.readPvc(h.namespace, h.pvc)) === null ? true : undefined,
    );
    this.log.info({ instanceId: h.instanceId, namespace: h.namespace, pvc: h.pvc }, 'kubernetes lab instance destroyed');
  }

  /** Four LISTs: the lab Pods, Services, NetworkPolicies and PVCs of the namespace, by instance. */
  async inventory(): Promise<HeldInstance[]> {
    return heldInstances(await this.client.listLabObjects(this.namespace, LAB_OBJECTS_SELECTOR), this.namespace);
  }

  /** The PVC as an uncompressed tar stream (null once the PVC is gone); the stream errors if tar fails. */
  exportStorage(handle: RuntimeHandle): Promise<Readable | null> {
    return exportVolume(this.client, this.storage, kubernetesHandleOf(handle));
  }

  async importStorage(handle: RuntimeHandle, tar: Readable): Promise<void> {
    const h = kubernetesHandleOf(handle);
    await importVolume(this.client, this.storage, h, tar);
    this.log.info({ instanceId: h.instanceId, namespace: h.namespace, pvc: h.pvc }, 'kubernetes lab storage restored');
  }

  /** A terminal over SSH needs the platform key. */
  limitations(config: LabConfig): string[] {
    return config.spec.terminal?.backend === 'ssh' && this.labSshPublicKey === null
      ? ['The terminal opens as a Kubernetes exec, not over SSH: this installation has no platform key (LAB_SSH_PUBLIC_KEY).']
      : [];
  }

  /**
   * Over SSH (the gateway's ssh2 backend to the pod's sshd, its host key pinned) when the lab's terminal
   * goes over SSH and the handle holds what its start published; else a Kubernetes exec.
   */
  terminalTarget(handle: RuntimeHandle, config: LabConfig): TerminalTarget {
    const h = kubernetesHandleOf(handle);
    if (this.sshTerminal(config) && h.podIP && h.sshHostKey) {
      return { kind: 'ssh', host: h.podIP, port: LAB_SSH_PORT, username: SSH_TERMINAL_USER, hostKey: h.sshHostKey };
    }
    const container = terminalContainer(config);
    return { kind: 'k8s-exec', namespace: h.namespace, pod: h.pod, container: container.name, command: asStudent(config, container, [...TERMINAL_COMMAND]) };
  }

  async exec(
    handle: RuntimeHandle,
    config: LabConfig,
    command: string[],
    opts: ExecOptions = {},
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    checkExecCommand(command);
    const container = opts.container === undefined ? terminalContainer(config) : execContainer(config.spec.containers, opts.container);
    const h = kubernetesHandleOf(handle);
    checkRunning(await this.status(h));
    const target = { namespace: h.namespace, pod: h.pod, container: container.name };
    const out = await this.client.exec(target, asStudent(config, container, command), { timeoutMs: opts.timeoutMs ?? EXEC_DEFAULT_TIMEOUT_MS, maxBytes: EXEC_MAX_BYTES });
    if (out.timedOut) return { exitCode: TIMED_OUT_EXIT_CODE, stdout: out.stdout, stderr: out.stderr };
    const where = `pod ${h.namespace}/${h.pod} container ${target.container}`;
    if (out.status === null) throw new AppError('RUNTIME_UNAVAILABLE', `exec in ${where} ended without an exit status (connection lost)`);
    const exitCode = exitCodeOf(out.status);
    if (exitCode === null) {
      throw new AppError('RUNTIME_UNAVAILABLE', `exec in ${where} failed: ${out.status.message ?? out.status.reason ?? 'no reason given'}`);
    }
    return { exitCode, stdout: out.stdout, stderr: out.stderr };
  }
}

function terminalContainer(config: LabConfig): LabContainer {
  const terminal = config.spec.containers.find((c) => c.terminal);
  if (!terminal) throw new AppError('LAB_CONFIG_INVALID', 'the lab has no container with terminal: true', { field: 'spec.containers' });
  return terminal;
}
