/**
 * KubernetesRuntime against the real apiserver of the test cluster (KWOK node: Pods become Running with an
 * IP and exec runs on this machine; no CNI, so NetworkPolicies are checked by what they select, not by
 * traffic). The cluster has no volume provisioner, so each test plays one: it creates a PersistentVolume
 * pre-bound to the instance's claim, as a storage class would.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig, NetworkingV1Api, type V1LabelSelector } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterEnv } from './cluster-env';
import { loadEnv } from '@autolabs/common/config/env';
import { AppError } from '@autolabs/common/errors/app-error';
import { createServices } from '../../server/src/platform/services';
import type { ProgressEvent, StartRequest } from '../../server/src/runtime/lab-runtime';
import { kubeCall } from '../../server/src/runtime/kubernetes/kube-errors';
import type { KubernetesHandle } from '../../server/src/runtime/kubernetes/kube-handle';
import { KubernetesRuntime } from '../../server/src/runtime/kubernetes/kubernetes-runtime';
import { instanceNames } from '../../server/src/runtime/kubernetes/names';
import { startRequest } from '../../server/src/runtime/kubernetes/testing/lab-request';
import { createTestNamespace, loadKubeConfig } from './kube/test-namespace';
import { waitFor } from './kube/wait-for';

const log = pino({ level: 'silent' });
let kc: KubeConfig;
let core: CoreV1Api;
let net: NetworkingV1Api;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
const volumes: string[] = [];

function runtime(): KubernetesRuntime {
  return new KubernetesRuntime({ kubeConfig: kc, namespace: ns.name, log, startTimeoutMs: 45_000, deleteTimeoutMs: 45_000, resolveHost: async () => [] });
}

function request(spec: Parameters<typeof startRequest>[1] = {}, overrides: Partial<StartRequest> = {}): StartRequest {
  return startRequest({ instanceId: randomUUID(), ownerKey: `u-${randomUUID().slice(0, 6)}`, ...overrides }, spec);
}

/** What a storage class would do: a volume reserved for exactly this instance's claim. */
async function provisionVolume(req: StartRequest): Promise<void> {
  const name = `${ns.name}-${instanceNames(req).pvc}`.slice(0, 63).replace(/-+$/, '');
  volumes.push(name);
  await kubeCall(() =>
    core.createPersistentVolume({
      body: {
        metadata: { name },
        spec: {
          capacity: { storage: req.config.spec.storage.size },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          hostPath: { path: `/tmp/autolabs-k8s-volumes/${name}` },
          claimRef: { namespace: ns.name, name: instanceNames(req).pvc },
        },
      },
    }),
  );
}

async function start(req: StartRequest, onProgress?: (e: ProgressEvent) => void): Promise<KubernetesHandle> {
  await provisionVolume(req);
  return (await runtime().start(req, onProgress)) as KubernetesHandle;
}

function selectorString(selector: V1LabelSelector | undefined): string {
  return Object.entries(selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

beforeAll(async () => {
  kc = loadKubeConfig(clusterEnv().kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  net = kc.makeApiClient(NetworkingV1Api);
  ns = await createTestNamespace(kc, 'k8s-runtime');
  await waitFor('default ServiceAccount', () => kubeCall(() => core.readNamespacedServiceAccount({ namespace: ns.name, name: 'default' })));
});

afterAll(async () => {
  await ns?.remove();
  for (const name of volumes) await kubeCall(() => core.deletePersistentVolume({ name })).catch(() => undefined);
});

describe('KubernetesRuntime.checkAvailable', () => {
  it('passes when the API server is reachable and the lab namespace exists', async () => {
    await expect(runtime().checkAvailable()).resolves.toBeUndefined();
  });

  it('fails with RUNTIME_UNAVAILABLE naming a missing namespace', async () => {
    const missing = new KubernetesRuntime({ kubeConfig: kc, namespace: 'no-such-labs', log });
    await expect(missing.checkAvailable()).rejects.toMatchObject({ code: 'RUNTIME_UNAVAILABLE', field: 'LAB_NAMESPACE', message: expect.stringContaining('namespace no-such-labs') });
  });

  it('fails with RUNTIME_UNAVAILABLE naming the server when nothing listens there', async () => {
    const dead = new KubeConfig();
    dead.loadFromOptions({
      clusters: [{ name: 'dead', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u', token: 'x' }],
      contexts: [{ name: 'c', cluster: 'dead', user: 'u' }],
      currentContext: 'c',
    });
    const runtimeOnDeadServer = new KubernetesRuntime({ kubeConfig: dead, namespace: ns.name, log });
    await expect(runtimeOnDeadServer.checkAvailable()).rejects.toMatchObject({ code: 'RUNTIME_UNAVAILABLE', message: expect.stringContaining('https://127.0.0.1:1') });
  });
});

describe('KubernetesRuntime lifecycle', () => {
  it('start makes a Running pod with an IP, and the Service, NetworkPolicy and PVC exist with the instance labels', async () => {
    const req = request({ containers: [{ name: 'shell', image: 'autolabs/linux-basics:latest', terminal: true, ssh: true }] });
    const events: string[] = [];
    const handle = await start(req, (e) => events.push(e.message));
    const names = instanceNames(req);
    expect(handle).toEqual({
      runtime: 'kubernetes',
      instanceId: req.instanceId,
      namespace: ns.name,
      pod: names.pod,
      service: names.service,
      networkPolicy: names.networkPolicy,
      pvc: names.pvc,
    });
    const pod = await core.readNamespacedPod({ namespace: ns.name, name: names.pod });
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
    const labels = { app: 'lab', 'autolabs.io/instance': req.instanceId, lab_id: 'linux-basics', student_id: req.ownerKey, course_id: 'linux-101', deployment_mode: 'per_student' };
    expect(pod.metadata?.labels).toMatchObject(labels);
    const [svc, policy, pvc] = await Promise.all([
      core.readNamespacedService({ namespace: ns.name, name: names.service }),
      net.readNamespacedNetworkPolicy({ namespace: ns.name, name: names.networkPolicy }),
      core.readNamespacedPersistentVolumeClaim({ namespace: ns.name, name: names.pvc }),
    ]);
    for (const obj of [svc, policy, pvc]) expect(obj.metadata?.labels).toMatchObject(labels);
    expect(svc.spec?.type).toBe('NodePort');
    expect(pvc.spec?.accessModes).toEqual(['ReadWriteOnce']);
    expect(pvc.spec?.resources?.requests?.storage).toBe('1Gi');
    // Everything of the instance is found by its owner label alone.
    const owned = `autolabs.io/instance=${req.instanceId}`;
    const [pods, services, policies, claims] = await Promise.all([
      core.listNamespacedPod({ namespace: ns.name, labelSelector: owned }),
      core.listNamespacedService({ namespace: ns.name, labelSelector: owned }),
      net.listNamespacedNetworkPolicy({ namespace: ns.name, labelSelector: owned }),
      core.listNamespacedPersistentVolumeClaim({ namespace: ns.name, labelSelector: owned }),
    ]);
    expect([pods, services, policies, claims].map((l) => l.items.map((i) => i.metadata?.name))).toEqual([[names.pod], [names.service], [names.networkPolicy], [names.pvc]]);

    const status = await runtime().status(handle);
    expect(status.phase).toBe('running');
    expect(status.sshEndpoint?.host).toBe(pod.status?.hostIP);
    expect(status.sshEndpoint?.port).toBe(svc.spec?.ports?.[0]?.nodePort);
    expect(events[0]).toBe(`storage: created PersistentVolumeClaim ${names.pvc}`);
    expect(events).toContain(`pod ${names.pod} running`);
  });

  it('start twice is idempotent: the same handle and the very same pod', async () => {
    const req = request();
    const first = await start(req);
    const uid = (await core.readNamespacedPod({ namespace: ns.name, name: first.pod })).metadata?.uid;
    const second = await runtime().start(req);
    expect(second).toEqual(first);
    expect((await core.readNamespacedPod({ namespace: ns.name, name: first.pod })).metadata?.uid).toBe(uid);
  });

  it('status before start is absent; a new runtime (our process restarted) answers running from the API', async () => {
    const req = request();
    const names = instanceNames(req);
    const planned: KubernetesHandle = { runtime: 'kubernetes', instanceId: req.instanceId, namespace: ns.name, pod: names.pod, service: null, networkPolicy: names.networkPolicy, pvc: names.pvc };
    expect(await runtime().status(planned)).toEqual({ phase: 'absent' });
    const handle = await start(req);
    const stored = JSON.parse(JSON.stringify(handle)) as KubernetesHandle;
    expect(await runtime().status(stored)).toEqual({ phase: 'running' });
  });

  it('stop removes Pod, Service and NetworkPolicy but keeps the PVC; start again reuses it; destroy removes it', async () => {
    const req = request({ containers: [{ name: 'shell', image: 'autolabs/linux-basics:latest', terminal: true, ssh: true }] });
    const handle = await start(req);
    const pvcUid = (await core.readNamespacedPersistentVolumeClaim({ namespace: ns.name, name: handle.pvc })).metadata?.uid;
    await runtime().stop(handle);
    const gone = (e: unknown) => e instanceof AppError && e.code === 'NOT_FOUND';
    await expect(kubeCall(() => core.readNamespacedPod({ namespace: ns.name, name: handle.pod }))).rejects.toSatisfy(gone);
    await expect(kubeCall(() => core.readNamespacedService({ namespace: ns.name, name: handle.service ?? '' }))).rejects.toSatisfy(gone);
    await expect(kubeCall(() => net.readNamespacedNetworkPolicy({ namespace: ns.name, name: handle.networkPolicy }))).rejects.toSatisfy(gone);
    expect((await core.readNamespacedPersistentVolumeClaim({ namespace: ns.name, name: handle.pvc })).metadata?.uid).toBe(pvcUid);
    expect(await runtime().status(handle)).toEqual({ phase: 'stopped' });
    await runtime().stop(handle);

    expect(await runtime().start(req)).toEqual(handle);
    expect((await core.readNamespacedPersistentVolumeClaim({ namespace: ns.name, name: handle.pvc })).metadata?.uid).toBe(pvcUid);
    expect((await runtime().status(handle)).phase).toBe('running');

    await runtime().destroy(handle);
    await expect(kubeCall(() => core.readNamespacedPersistentVolumeClaim({ namespace: ns.name, name: handle.pvc }))).rejects.toSatisfy(gone);
    expect(await runtime().status(handle)).toEqual({ phase: 'absent' });
    await runtime().destroy(handle);
  });

  it('a lab the apiserver rejects (storage size 0) fails start with the apiserver message and starts no pod', async () => {
    const req = request({ storage: { size: '0', mountPath: '/home/student' } });
    const failure = runtime().start(req);
    await expect(failure).rejects.toBeInstanceOf(AppError);
    await expect(failure).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/PersistentVolumeClaim .* is invalid: .*must be greater than zero/) });
    const pods = await core.listNamespacedPod({ namespace: ns.name, labelSelector: `autolabs.io/instance=${req.instanceId}` });
    expect(pods.items).toEqual([]);
  });

  it('a pod the apiserver rejects (a port named only with digits) fails start with the apiserver message and its field', async () => {
    const req = request({ containers: [{ name: 'web', image: 'autolabs/linux-basics:latest', terminal: true, ports: [{ name: '8080', containerPort: 8080 }] }] });
    await provisionVolume(req);
    const failure = runtime().start(req);
    await expect(failure).rejects.toMatchObject({
      code: 'BAD_INPUT',
      field: 'spec.containers[0].ports[0].name',
      message: expect.stringContaining(`Pod "${instanceNames(req).pod}" is invalid: spec.containers[0].ports[0].name: Invalid value: "8080"`),
    });
    await expect(failure).rejects.toThrow(/at least one letter/);
  });
});

describe('KubernetesRuntime status after the lab breaks', () => {
  it('a crash-looping container, as the node reports it, makes status failed with the container and reason', async () => {
    const req = request();
    const handle = await start(req);
    const pod = await core.readNamespacedPod({ namespace: ns.name, name: handle.pod });
    // What a kubelet writes when the container keeps exiting; KWOK keeps the status it is given.
    pod.status = {
      ...pod.status,
      containerStatuses: [
        { name: 'shell', image: 'autolabs/linux-basics:latest', imageID: '', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container' } } },
      ],
    };
    await core.replaceNamespacedPodStatus({ namespace: ns.name, name: handle.pod, body: pod });
    expect(await runtime().status(handle)).toEqual({ phase: 'failed', reason: 'container shell: CrashLoopBackOff: back-off 1m20s restarting failed container' });
  });
});

describe('createServices with LAB_RUNTIME=kubernetes', () => {
  it('builds a KubernetesRuntime from KUBECONFIG and LAB_NAMESPACE that reaches the cluster', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-k8s-services-'));
    const env = loadEnv({ AUTOLABS_DATA_DIR: dataDir, LAB_RUNTIME: 'kubernetes', KUBECONFIG: clusterEnv().kubeconfig, LAB_NAMESPACE: ns.name });
    const services = await createServices(env, log);
    try {
      expect(services.runtime).toBeInstanceOf(KubernetesRuntime);
      await expect(services.runtime.checkAvailable()).resolves.toBeUndefined();
    } finally {
      await services.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('KubernetesRuntime.exec', () => {
  let req: StartRequest;
  let handle: KubernetesHandle;

  beforeAll(async () => {
    req = request();
    handle = await start(req);
  });

  it('runs echo and returns its stdout, stderr and exit code 0', async () => {
    expect(await runtime().exec(handle, req.config, ['sh', '-c', 'echo hello-lab; echo warn >&2'])).toEqual({ exitCode: 0, stdout: 'hello-lab\n', stderr: 'warn\n' });
  });

  it('returns the exit code of a failing command', async () => {
    expect(await runtime().exec(handle, req.config, ['sh', '-c', 'echo partial; exit 7'])).toEqual({ exitCode: 7, stdout: 'partial\n', stderr: '' });
  });

  it('gives up after the timeout with exit code 124', async () => {
    const began = Date.now();
    const r = await runtime().exec(handle, req.config, ['sh', '-c', 'echo started; sleep 20'], { timeoutMs: 1_500 });
    expect(r.exitCode).toBe(124);
    expect(Date.now() - began).toBeLessThan(10_000);
  });

  it('runs in the container a check names, and refuses a name the lab does not have', async () => {
    expect(await runtime().exec(handle, req.config, ['echo', 'named'], { container: 'shell' })).toMatchObject({ exitCode: 0, stdout: 'named\n' });
    await expect(runtime().exec(handle, req.config, ['true'], { container: 'nope' })).rejects.toMatchObject({ code: 'BAD_INPUT', field: 'container' });
  });

  it('refuses to exec in a stopped instance with CONFLICT', async () => {
    const other = request();
    const h = await start(other);
    await runtime().stop(h);
    await expect(runtime().exec(h, other.config, ['true'])).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('KubernetesRuntime isolation', () => {
  it("two instances' NetworkPolicies select only their own pods, and admit only their own pod among labs", async () => {
    const a = await start(request());
    const b = await start(request());
    for (const [mine, theirs] of [
      [a, b],
      [b, a],
    ] as const) {
      const policy = await net.readNamespacedNetworkPolicy({ namespace: ns.name, name: mine.networkPolicy });
      const selected = await core.listNamespacedPod({ namespace: ns.name, labelSelector: selectorString(policy.spec?.podSelector) });
      expect(selected.items.map((p) => p.metadata?.name)).toEqual([mine.pod]);
      const labPeers = (policy.spec?.ingress ?? []).flatMap((rule) => rule._from ?? []).filter((peer) => peer.podSelector && !peer.namespaceSelector);
      for (const peer of labPeers) {
        const admitted = await core.listNamespacedPod({ namespace: ns.name, labelSelector: selectorString(peer.podSelector) });
        expect(admitted.items.map((p) => p.metadata?.name)).not.toContain(theirs.pod);
      }
      expect(policy.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    }
  });
});
