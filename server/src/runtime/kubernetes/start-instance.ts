/**
 * Bringing one lab instance up: create whatever of PVC, NetworkPolicy, SSH Service and Pod is missing
 * (an object that already exists is fine, so a retry resumes a start a dead worker left half-done), then
 * wait until the Pod runs with an IP; a container that cannot start fails the start at once with its
 * reason. The NetworkPolicy goes in before the Pod, so the lab never runs without its isolation.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { AppError } from '@autolabs/common/errors/app-error';
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

/**
 * `pod` is null when the instance was already running and nothing was done. One deadline covers the whole
 * start: an apiserver that goes away meanwhile (restarting, say) is waited for, and the start resumes where
 * it was, since every step is idempotent and every name fixed: it never makes a second Pod.
 */
export async function startInstance(
  client: KubeClient,
  opts: StartOptions,
  req: StartRequest,
  progress: (message: string) => void,
): Promise<{ handle: KubernetesHandle; pod: V1Pod | null }> {
  const names = instanceNames(req);
  const ns = opts.namespace;
  const handle = instanceHandle(req, ns);
  let prepared = false;
  let last: InstanceStatus | undefined;
  const pod = await pollUntil(
    {
      what: `pod ${ns}/${names.pod} to run`,
      timeoutMs: opts.startTimeoutMs,
      lastSeen: () => (last ? [last.phase, last.reason].filter(Boolean).join(': ') : undefined),
      onTransient: (e) => progress(`${e.message}; trying again until the start deadline`),
    },
    async (): Promise<V1Pod | null | undefined> => {
      if (!prepared) {
        const existing = await client.readPod(ns, names.pod);
        if (existing && podPhase(existing, true).phase === 'running') return null;
        await prepare(client, opts, req, names, progress);
        prepared = true;
      }
      const current = await client.readPod(ns, names.pod);
      if (current === null) {
        progress(`pod: ${await client.createPod(ns, makePod(req, names, ns, opts.pod))} Pod ${names.pod}`);
        return undefined;
      }
      const now = podPhase(current, true);
      if (now.phase !== last?.phase || now.reason !== last?.reason) {
        if (now.phase === 'pending') progress(`pod ${names.pod} pending${now.reason ? `: ${now.reason}` : ''}`);
        last = now;
      }
      if (now.phase === 'failed') throw new AppError('RUNTIME_UNAVAILABLE', `pod ${ns}/${names.pod} failed: ${now.reason}`);
      return now.phase === 'running' && current.status?.podIP ? current : undefined;
    },
  );
  if (pod) progress(`pod ${names.pod} running`);
  return { handle, pod };
}

/** Everything but the Pod: storage, then isolation (so the lab never runs without it), then the SSH Service. */
async function prepare(client: KubeClient, opts: StartOptions, req: StartRequest, names: InstanceNames, progress: (message: string) => void): Promise<void> {
  const ns = opts.namespace;
  progress(`storage: ${await client.createPvc(ns, makePvc(req, names, ns, opts.storageClassName))} PersistentVolumeClaim ${names.pvc}`);
  const hosts = req.config.spec.network.allowedEgress.flatMap((r) => (r.host === undefined ? [] : [r.host]));
  const resolvedHosts = await resolveHosts(hosts, opts.resolveHost);
  for (const host of hosts.filter((h) => resolvedHosts[h].length === 0)) {
    progress(`allowed egress host ${host} did not resolve; no traffic to it is allowed`);
  }
  const policy = makeNetworkPolicy(req, names, ns, { gateway: opts.gateway, resolvedHosts });
  progress(`network: ${await client.createNetworkPolicy(ns, policy)} NetworkPolicy ${names.networkPolicy}`);
  const service = makeSshService(req, names, ns);
  if (service) progress(`ssh: ${await client.createService(ns, service)} Service ${names.service}`);
}
