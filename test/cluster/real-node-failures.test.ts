/**
 * What goes wrong on a real node reaches the instance with its reason (issue 13, bad input): an image the
 * registry does not have (the kubelet's ErrImagePull / ImagePullBackOff), a pod no node can take (the
 * scheduler's "Insufficient cpu"), a quota the namespace refuses (the apiserver's message). Each start
 * fails naming the cause and leaves nothing running (Pod, Service, NetworkPolicy removed; the PVC, the
 * student's storage, kept for the next start); destroy then leaves no object of the instance behind.
 */
import { randomUUID } from 'node:crypto';
import { CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartRequest } from '../../server/src/runtime/lab-runtime';
import { KubernetesRuntime } from '../../server/src/runtime/kubernetes/kubernetes-runtime';
import { instanceHandle } from '../../server/src/runtime/kubernetes/start-instance';
import { startRequest } from '../../server/src/runtime/kubernetes/testing/lab-request';
import { buildImages } from '../integration/lab-image-fixture';
import { clusterEnv } from './cluster-env';
import { REAL_NODE_NAME, REAL_NODE_TAINT_KEY } from './kube/real-node';
import { createTestNamespace, loadKubeConfig } from './kube/test-namespace';

const cluster = clusterEnv();
const kc = loadKubeConfig(cluster.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const net = kc.makeApiClient(NetworkingV1Api);
let ns: Awaited<ReturnType<typeof createTestNamespace>>;

beforeAll(async () => {
  await buildImages({ LAB_IMAGE_REGISTRY: cluster.labImageRegistry, LAB_IMAGE_REGISTRY_INSECURE: '1' });
  ns = await createTestNamespace(kc, 'real-fail');
}, 3_600_000);

afterAll(async () => {
  await ns?.remove();
});

/** Start deadline: a scheduler or kubelet verdict comes in seconds; this only bounds a start that never gets one. */
function runtime(startTimeoutMs = 120_000): KubernetesRuntime {
  return new KubernetesRuntime({
    kubeConfig: kc,
    namespace: ns.name,
    log: pino({ level: 'silent' }),
    storageClassName: 'local-path',
    startTimeoutMs,
    deleteTimeoutMs: 120_000,
    resolveHost: async () => [],
    pod: {
      nodeSelector: { 'kubernetes.io/hostname': REAL_NODE_NAME },
      tolerations: [{ key: REAL_NODE_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' }],
      imageRewrites: [{ from: 'docker.io/autolabs/', to: `${cluster.labImageRegistry}/autolabs/` }],
    },
  });
}

function request(container: Record<string, unknown>): StartRequest {
  return startRequest(
    { instanceId: randomUUID(), ownerKey: `u-${randomUUID().slice(0, 6)}` },
    { containers: [{ name: 'shell', terminal: true, command: ['sleep', 'infinity'], ...container }], storage: { size: '16Mi', mountPath: '/home/student' } },
  );
}

/** How many live objects of the instance exist: [Pods, Services, NetworkPolicies, PVCs]. */
async function objectsOf(instanceId: string): Promise<number[]> {
  const labelSelector = `autolabs.io/instance=${instanceId}`;
  const live = <T extends { metadata?: { deletionTimestamp?: Date } }>(items: T[]) => items.filter((o) => !o.metadata?.deletionTimestamp).length;
  const [pods, services, policies, pvcs] = await Promise.all([
    core.listNamespacedPod({ namespace: ns.name, labelSelector }),
    core.listNamespacedService({ namespace: ns.name, labelSelector }),
    net.listNamespacedNetworkPolicy({ namespace: ns.name, labelSelector }),
    core.listNamespacedPersistentVolumeClaim({ namespace: ns.name, labelSelector }),
  ]);
  return [live(pods.items), live(services.items), live(policies.items), live(pvcs.items)];
}

async function startFailure(rt: KubernetesRuntime, req: StartRequest): Promise<Error & { code?: string }> {
  const error = await rt.start(req).then(
    () => null,
    (e: unknown) => e as Error & { code?: string },
  );
  if (!error) throw new Error('the start succeeded');
  return error;
}

/** After a failed start only the PVC is left; destroy removes it too. */
async function expectCleanAfterFailure(rt: KubernetesRuntime, req: StartRequest): Promise<void> {
  expect(await objectsOf(req.instanceId)).toEqual([0, 0, 0, 1]);
  await rt.destroy(instanceHandle(req, ns.name));
  expect(await objectsOf(req.instanceId)).toEqual([0, 0, 0, 0]);
}

const SMALL = { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } };

describe('failures on the real node reach the instance with their reason', () => {
  it('an image the registry does not have: the kubelet cannot pull it, and the start says so', async () => {
    const rt = runtime();
    const req = request({ image: 'autolabs/does-not-exist:latest', ssh: true, resources: SMALL });
    const error = await startFailure(rt, req);
    expect(error.code).toBe('RUNTIME_UNAVAILABLE');
    expect(error.message).toMatch(/container shell: (ErrImagePull|ImagePullBackOff)/);
    expect(error.message).toContain('autolabs/does-not-exist');
    await expectCleanAfterFailure(rt, req);
  }, 300_000);

  it('a pod no node can take: the start ends at its deadline with the scheduler\'s reason', async () => {
    // A verdict that never changes: no deadline is short enough to make this pass by luck.
    const rt = runtime(20_000);
    const req = request({ image: 'autolabs/base:bookworm', resources: { requests: { cpu: '64', memory: '16Mi' }, limits: { cpu: '64', memory: '64Mi' } } });
    const error = await startFailure(rt, req);
    expect(error.message).toMatch(/Insufficient cpu/);
    await expectCleanAfterFailure(rt, req);
  }, 300_000);

  it('a quota the namespace refuses: the apiserver\'s message, nothing left running', async () => {
    const quota = 'no-pods';
    await core.createNamespacedResourceQuota({ namespace: ns.name, body: { metadata: { name: quota }, spec: { hard: { pods: '0' } } } });
    try {
      // The quota controller fills in its usage asynchronously; until then the apiserver refuses every pod anyway.
      const rt = runtime();
      const req = request({ image: 'autolabs/base:bookworm', resources: SMALL });
      const error = await startFailure(rt, req);
      expect(error.message).toMatch(/exceeded quota: no-pods|forbidden/i);
      await expectCleanAfterFailure(rt, req);
    } finally {
      await core.deleteNamespacedResourceQuota({ namespace: ns.name, name: quota });
    }
  }, 300_000);
});
