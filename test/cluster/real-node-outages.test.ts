/**
 * Outages on the real node (issue 13, bad input), through the workers' steps and periodic jobs with real
 * Postgres, RabbitMQ and Redis:
 * - the apiserver restarts while a lab starts: the start waits it out and finishes, with the same Pod
 *   (never a second one), and the student saw why it took longer;
 * - the apiserver stays down past the start deadline: the instance fails with that reason; what the failed
 *   start could not clean up (Pod, NetworkPolicy) is released by the workers' orphan sweep once the
 *   apiserver is back, the student's storage kept; objects of an instance the database no longer has go
 *   entirely.
 * - the node's kubelet goes away under a running lab: the lab card says the node stopped reporting and
 *   checks refuse with that reason; when the node is back, so is the same lab, and the card is clear.
 * The apiserver and the kubelet are really stopped and started again (the cluster's tests run one file at
 * a time).
 */
import { CoordinationV1Api, CoreV1Api, DiscoveryV1Api, NetworkingV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prisma } from '../../server/src/generated/prisma/client';
import { parseLabConfig } from '../../server/src/labs/lab-config';
import { LabConfigCache } from '../../server/src/labs/lab-config-cache';
import { silentLogger } from '../../server/src/infra/database/testing/silent-logger';
import { kubernetesHandleOf } from '../../server/src/runtime/kubernetes/kube-handle';
import { KubernetesRuntime } from '../../server/src/runtime/kubernetes/kubernetes-runtime';
import { handleOf } from '../../server/src/runtime/runtime-handle';
import { releaseOrphans } from '../../server/src/workers/periodic/release-orphans';
import { watchRunningInstances } from '../../server/src/workers/periodic/watch-running';
import { startInstance } from '../../server/src/workers/steps/start-instance';
import { createWorkerFixture, seedClassroom, seedDeployment, type Classroom, type WorkerFixture } from '../../server/src/workers/testing/worker-fixture';
import type { WorkerContext } from '../../server/src/workers/worker-context';
import { buildImages } from '../integration/lab-image-fixture';
import { clusterEnv } from './cluster-env';
import { stopHarnessProcess, type StoppedProcess } from './kube/harness-process';
import { NODE_NETNS } from './kube/node-host';
import { REAL_NODE_NAME, realNodeLabPods } from './kube/real-node';
import { createTestNamespace, loadKubeConfig } from './kube/test-namespace';
import { waitFor } from './kube/wait-for';

const cluster = clusterEnv();
const kc = loadKubeConfig(cluster.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const net = kc.makeApiClient(NetworkingV1Api);
const coordination = kc.makeApiClient(CoordinationV1Api);
const discovery = kc.makeApiClient(DiscoveryV1Api);
const log = silentLogger();
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let fx: WorkerFixture;
let room: Classroom;
/** The apiserver while a test has it stopped; started again after each test whatever happened. */
let stoppedApiserver: StoppedProcess | null = null;

const LAB = `apiVersion: autolabs.io/v1
kind: Lab
metadata:
  name: outage
  title: Outage
spec:
  mode: per_student
  containers:
    - name: shell
      image: autolabs/base:bookworm
      terminal: true
      command: [sleep, infinity]
      resources:
        requests: { cpu: 10m, memory: 16Mi }
        limits: { cpu: 100m, memory: 64Mi }
  storage:
    size: 16Mi
    mountPath: /home/student
  lifetime:
    ttl: 2h
    idleTimeout: 30m
`;

/**
 * Lab pods here also need this node label, which the node gets only when a test says so: a pod that ran at
 * once would end the start before the outage begins.
 */
const GATE_LABEL = 'autolabs.io/outage-test';

async function openGate(open: boolean): Promise<void> {
  const path = `/metadata/labels/${GATE_LABEL.replace('/', '~1')}`;
  await core.patchNode({ name: REAL_NODE_NAME, body: [open ? { op: 'add', path, value: ns.name } : { op: 'remove', path }] }, jsonPatch);
}

/** `gated`: the pods also need the gate label (the apiserver tests); a restarted kubelet re-admits running pods by it too. */
function runtime(startTimeoutMs: number, gated = true): KubernetesRuntime {
  const pods = realNodeLabPods(cluster.labImageRegistry);
  return new KubernetesRuntime({
    kubeConfig: kc,
    namespace: ns.name,
    log,
    storageClassName: 'local-path',
    startTimeoutMs,
    deleteTimeoutMs: 120_000,
    resolveHost: async () => [],
    pod: gated ? { ...pods, nodeSelector: { ...pods.nodeSelector, [GATE_LABEL]: ns.name } } : pods,
  });
}

/** A worker context around `rt`; one delivery per job, so a failed start is final at once. */
function workerContext(rt: KubernetesRuntime): WorkerContext {
  const services = { ...fx.services, runtime: rt };
  return { services, log, configs: new LabConfigCache(services.objectStore, fx.env.S3_BUCKET_CONFIGS), maxAttempts: 1, archiveAfterMs: 7 * 24 * 3600 * 1000 };
}

async function newInstance(student = 0): Promise<string> {
  const d = await seedDeployment(fx, room, { owners: [room.studentIds[student]] });
  await fx.services.db.prisma.labDeployment.update({ where: { id: d.id }, data: { status: 'running' } });
  return d.instances[0].id;
}

async function podsOf(instanceId: string) {
  const pods = await core.listNamespacedPod({ namespace: ns.name, labelSelector: `autolabs.io/instance=${instanceId}` });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** Live objects of the instance: [Pods, NetworkPolicies, PVCs]. */
async function objectsOf(instanceId: string): Promise<number[]> {
  const labelSelector = `autolabs.io/instance=${instanceId}`;
  const live = <T extends { metadata?: { deletionTimestamp?: Date } }>(items: T[]) => items.filter((o) => !o.metadata?.deletionTimestamp).length;
  const [policies, pvcs] = await Promise.all([
    net.listNamespacedNetworkPolicy({ namespace: ns.name, labelSelector }),
    core.listNamespacedPersistentVolumeClaim({ namespace: ns.name, labelSelector }),
  ]);
  return [(await podsOf(instanceId)).length, live(policies.items), live(pvcs.items)];
}

async function stopApiserver(): Promise<void> {
  stoppedApiserver = await stopHarnessProcess('kube-apiserver');
}

async function startApiserver(): Promise<void> {
  const stopped = stoppedApiserver;
  if (!stopped) return;
  stoppedApiserver = null;
  await stopped.start();
  await waitFor('the apiserver to serve again', async () => ((await core.listNamespace({ limit: 1 })) ? true : undefined), 120_000);
  await nodesSettled();
}

/**
 * Every node Ready again, with its addresses and without the taints the node controller put on it while
 * the apiserver or the kubelet was away, and each node's lease renewed since the outage ended: until then
 * the node controller may still mark a node Unknown (and KWOK re-initialise its node). And cluster DNS
 * served again: the node controller marked CoreDNS's pod not ready with its node, so the kube-dns Service
 * had no endpoint until the kubelet reported it ready. The cluster's other tests (KWOK's exec, the labs'
 * name lookups) need it whole.
 */
async function nodesSettled(): Promise<void> {
  const outageEnded = new Date();
  await waitFor(
    'every node Ready again, with its addresses and a lease renewed after the outage',
    async () => {
      const [nodes, leases] = await Promise.all([core.listNode(), coordination.listNamespacedLease({ namespace: 'kube-node-lease' })]);
      const renewed = (name: string) => {
        const renew = leases.items.find((l) => l.metadata?.name === name)?.spec?.renewTime;
        return renew !== undefined && new Date(renew) > outageEnded;
      };
      const whole = nodes.items.every(
        (n) =>
          n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' &&
          (n.status?.addresses?.length ?? 0) > 0 &&
          !(n.spec?.taints ?? []).some((t) => t.key.startsWith('node.kubernetes.io/')) &&
          renewed(n.metadata?.name ?? ''),
      );
      return whole ? true : undefined;
    },
    300_000,
  );
  await waitFor(
    'CoreDNS ready behind the kube-dns Service',
    async () => {
      const slices = await discovery.listNamespacedEndpointSlice({ namespace: 'kube-system', labelSelector: 'kubernetes.io/service-name=kube-dns' });
      return slices.items.some((s) => (s.endpoints ?? []).some((e) => e.conditions?.ready === true)) ? true : undefined;
    },
    300_000,
  );
}

async function reasonOf(instanceId: string) {
  return fx.services.db.prisma.labInstance.findUniqueOrThrow({ where: { id: instanceId }, select: { status: true, statusReason: true } });
}

beforeAll(async () => {
  await buildImages({ LAB_IMAGE_REGISTRY: cluster.labImageRegistry, LAB_IMAGE_REGISTRY_INSECURE: '1' });
  ns = await createTestNamespace(kc, 'outage');
  fx = await createWorkerFixture('k8s_outages');
  room = await seedClassroom(fx, LAB, 3);
}, 3_600_000);

afterAll(async () => {
  await startApiserver();
  await nodesSettled();
  await ns?.remove();
  // The instances' objects went with the namespace; the fixture's own clean-up would only find them gone.
  await fx?.services.db.prisma.labInstance.updateMany({ data: { runtimeHandle: Prisma.DbNull } });
  if (ns) await openGate(false).catch(() => undefined);
  await fx?.close();
}, 300_000);

// First: after the apiserver's restarts below, the controller manager's node controller has been seen to keep
// failing its node status updates (a stale cache: 'the object has been modified'), and never marks the node.
describe('the node going away under a running lab', () => {
  it('the lab card says the node stopped reporting and checks refuse; the same lab is back with the node', async () => {
    const instanceId = await newInstance(2);
    // Ungated: the restarted kubelet admits the running pod again by its node selector.
    const rt = runtime(300_000, false);
    const ctx = workerContext(rt);
    expect(await startInstance(ctx, instanceId, 1)).toBe('started');
    const handle = handleOf(await fx.services.db.prisma.labInstance.findUniqueOrThrow({ where: { id: instanceId } }));
    const config = parseLabConfig(LAB);
    await rt.exec(handle, config, ['sh', '-c', 'echo before > /tmp/marker']);

    const kubelet = await stopHarnessProcess('kubelet', NODE_NETNS);
    try {
      // The node controller notices a silent node after its grace period (about 50 s), then marks its pods.
      const problem = await waitFor(
        'the silent node to reach the lab card',
        async () => (await watchRunningInstances(ctx)).find((c) => c.instanceId === instanceId && c.change === 'problem'),
        240_000,
      );
      expect(problem.reason).toBe(`the node running this lab (${REAL_NODE_NAME}) has stopped reporting; the lab cannot be reached until it is back`);
      expect(await reasonOf(instanceId)).toEqual({ status: 'running', statusReason: problem.reason });
      await expect(rt.exec(handle, config, ['true'])).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('has stopped reporting') });
    } finally {
      await kubelet.start();
      await nodesSettled();
    }
    await waitFor(
      'the lab to be well again',
      async () => (await watchRunningInstances(ctx)).find((c) => c.instanceId === instanceId && c.change === 'cleared'),
      240_000,
    );
    expect(await reasonOf(instanceId)).toEqual({ status: 'running', statusReason: null });
    // The restarted kubelet reports the pod before it has found its containers again ("container not found"
    // for a moment): the same container answers once it has.
    const marker = await waitFor('the same container to answer through the restarted kubelet', () => rt.exec(handle, config, ['cat', '/tmp/marker']), 120_000);
    expect(marker).toMatchObject({ exitCode: 0, stdout: 'before\n' });

    // A Pod deleted behind the platform's back: the instance is stopped, what is left of it removed, the storage kept.
    await core.deleteNamespacedPod({ namespace: ns.name, name: kubernetesHandleOf(handle).pod, gracePeriodSeconds: 0 });
    const gone = await waitFor(
      'the deleted Pod to stop the instance',
      async () => (await watchRunningInstances(ctx)).find((c) => c.instanceId === instanceId && c.change === 'stopped'),
      120_000,
    );
    expect(await reasonOf(instanceId)).toEqual({ status: 'stopped', statusReason: gone.reason });
    expect(gone.reason).toMatch(/^stopped: /);
    expect(await objectsOf(instanceId)).toEqual([0, 0, 1]);
  }, 900_000);
});

describe('the apiserver going away during a lab start', () => {
  it('restarting mid-start: the start waits it out and finishes with the same Pod, and the student saw why', async () => {
    const instanceId = await newInstance(0);
    const ctx = workerContext(runtime(600_000));
    const outcome = startInstance(ctx, instanceId, 1);
    const [pod] = await waitFor('the lab Pod to be created', async () => ((await podsOf(instanceId)).length > 0 ? podsOf(instanceId) : undefined), 120_000);
    await stopApiserver();
    try {
      // The start step tells the lab card why it is waiting, from the runtime's own failed calls.
      const seen = await waitFor('the lab card to name the outage', async () => {
        const row = await reasonOf(instanceId);
        return row.statusReason?.includes('cannot reach the Kubernetes API server') ? row : undefined;
      }, 60_000);
      expect(seen).toMatchObject({ status: 'starting', statusReason: expect.stringContaining('trying again until the start deadline') });
    } finally {
      await startApiserver();
    }
    await openGate(true);
    try {
      await expect(outcome).resolves.toBe('started');
    } finally {
      await openGate(false);
    }
    expect(await reasonOf(instanceId)).toEqual({ status: 'running', statusReason: null });
    const after = await podsOf(instanceId);
    expect(after.map((p) => p.metadata?.uid)).toEqual([pod.metadata?.uid]);
    expect(after[0].status?.phase).toBe('Running');
  }, 600_000);

  it('down past the deadline: the instance fails saying so; the orphan sweep releases what the failed start left', async () => {
    const instanceId = await newInstance(1);
    // Long enough for the apiserver to shut down well inside it, so it is down when the deadline comes; short
    // enough that the nodes' leases (40 s) outlive the outage, so the node controller leaves them alone.
    const ctx = workerContext(runtime(25_000));
    // Settled at once: it fails at the deadline, while the test is still stopping the apiserver.
    const outcome = startInstance(ctx, instanceId, 1).then(
      () => new Error('the start succeeded'),
      (e: unknown) => e,
    );
    await waitFor('the lab Pod to be created', async () => ((await podsOf(instanceId)).length > 0 ? true : undefined), 120_000);
    await stopApiserver();
    try {
      expect(await outcome).toMatchObject({ code: 'RUNTIME_UNAVAILABLE' });
    } finally {
      await startApiserver();
    }
    const failed = await reasonOf(instanceId);
    expect(failed.status).toBe('failed');
    expect(failed.statusReason).toMatch(/^timed out after 25 s waiting for pod .* \(last seen: cannot reach the Kubernetes API server/);
    // The failed start's own clean-up could not reach the apiserver: Pod, NetworkPolicy and PVC are still there.
    expect(await objectsOf(instanceId)).toEqual([1, 1, 1]);

    expect(await releaseOrphans(ctx)).toEqual([{ instanceId, released: 'running' }]);
    expect(await objectsOf(instanceId)).toEqual([0, 0, 1]);
    expect(await reasonOf(instanceId)).toEqual(failed);
    expect(await releaseOrphans(ctx)).toEqual([]);

    // The database no longer knows the instance (say, restored from an older backup): its storage goes too.
    await fx.services.db.prisma.labInstance.delete({ where: { id: instanceId } });
    expect(await releaseOrphans(ctx)).toEqual([{ instanceId, released: 'all' }]);
    expect(await objectsOf(instanceId)).toEqual([0, 0, 0]);
  }, 600_000);
});
