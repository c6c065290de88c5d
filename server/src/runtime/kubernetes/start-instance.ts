/**
 * Bringing one lab instance up: create whatever of PVC, NetworkPolicy, SSH Service and Pod is missing
 * (an object that already exists is fine, so a retry resumes a start a dead worker left half-done), then
 * wait until the Pod runs with an IP. The NetworkPolicy goes in before the Pod, so the lab never runs
 * without its isolation.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { AppError } from '../../errors/app-error';
import type { InstanceStatus, StartRequest } from '../lab-runtime';
import type { KubeClient } from './kube-client';
import type { KubernetesHandle } from './kube-handle';
import { makeNetworkPolicy, type GatewayPeer } from './manifests/network-policy';
import { makePod, type PodSettings } from './manifests/pod';
import { makePvc } from './manifests/pvc';
import { makeSshService } from './manifests/service';
import { instanceNames, type InstanceNames } from './names';
import { podPhase } from './pod-phase';
import { pollUntil } from './poll-until';
import { resolveHosts, type HostResolver } from './resolve-hosts';

export interface StartOptions {
  namespace: string;
  gateway: GatewayPeer;
  storageClassName: string | undefined;
  pod: PodSettings;
  resolveHost: HostResolver;
  startTimeoutMs: number;
}

/** Where the objects of the instance `req` starts live, by name. */
export function instanceHandle(req: StartRequest, namespace: string): KubernetesHandle {
  const names = instanceNames(req);
  return {
    runtime: 'kubernetes',
    instanceId: req.instanceId,
    namespace,
    pod: names.pod,
    service: req.config.spec.containers.some((c) => c.ssh) ? names.service : null,
    networkPolicy: names.networkPolicy,
    pvc: names.pvc,
  };
}

/** `pod` is null when the instance was already running and nothing was done. */
export async function startInstance(
  client: KubeClient,
  opts: StartOptions,
  req: StartRequest,
  progress: (message: string) => void,
): Promise<{ handle: KubernetesHandle; pod: V1Pod | null }> {
  const names = instanceNames(req);
  const ns = opts.namespace;
  const service = makeSshService(req, names, ns);
  const handle = instanceHandle(req, ns);
  const existing = await client.readPod(ns, names.pod);
  if (existing && podPhase(existing, true).phase === 'running') return { handle, pod: null };

  progress(`storage: ${await client.createPvc(ns, makePvc(req, names, ns, opts.storageClassName))} PersistentVolumeClaim ${names.pvc}`);
  const hosts = req.config.spec.network.allowedEgress.flatMap((r) => (r.host === undefined ? [] : [r.host]));
  const resolvedHosts = await resolveHosts(hosts, opts.resolveHost);
  for (const host of hosts.filter((h) => resolvedHosts[h].length === 0)) {
    progress(`allowed egress host ${host} did not resolve; no traffic to it is allowed`);
  }
  const policy = makeNetworkPolicy(req, names, ns, { gateway: opts.gateway, resolvedHosts });
  progress(`network: ${await client.createNetworkPolicy(ns, policy)} NetworkPolicy ${names.networkPolicy}`);
  if (service) progress(`ssh: ${await client.createService(ns, service)} Service ${names.service}`);

  const pod = await waitUntilRunning(client, opts, req, names, progress);
  progress(`pod ${names.pod} running`);
  return { handle, pod };
}

/**
 * Creates the Pod when it is missing (also after a stop whose Pod has just gone) and waits until it runs
 * with an IP; a container that cannot start fails the start at once with its reason.
 */
async function waitUntilRunning(client: KubeClient, opts: StartOptions, req: StartRequest, names: InstanceNames, progress: (message: string) => void): Promise<V1Pod> {
  const ns = opts.namespace;
  let last: InstanceStatus | undefined;
  return pollUntil(
    {
      what: `pod ${ns}/${names.pod} to run`,
      timeoutMs: opts.startTimeoutMs,
      lastSeen: () => (last ? [last.phase, last.reason].filter(Boolean).join(': ') : undefined),
    },
    async () => {
      const pod = await client.readPod(ns, names.pod);
      if (pod === null) {
        progress(`pod: ${await client.createPod(ns, makePod(req, names, ns, opts.pod))} Pod ${names.pod}`);
        return undefined;
      }
      const now = podPhase(pod, true);
      if (now.phase !== last?.phase || now.reason !== last?.reason) {
        if (now.phase === 'pending') progress(`pod ${names.pod} pending${now.reason ? `: ${now.reason}` : ''}`);
        last = now;
      }
      if (now.phase === 'failed') throw new AppError('RUNTIME_UNAVAILABLE', `pod ${ns}/${names.pod} failed: ${now.reason}`);
      return now.phase === 'running' && pod.status?.podIP ? pod : undefined;
    },
  );
}
