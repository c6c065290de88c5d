/** Scheduling and the KWOK node: objects a lab needs reach the state a real kubelet would report. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterEnv } from './cluster-env';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { AppError } from '@autolabs/common/errors/app-error';
import { kubeCall } from './kube/api-errors';
import { createTestNamespace, deleteNamespace, loadKubeConfig } from './kube/test-namespace';
import { waitFor } from './kube/wait-for';

let kc: KubeConfig;
let core: CoreV1Api;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;

beforeAll(async () => {
  kc = loadKubeConfig(clusterEnv().kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  ns = await createTestNamespace(kc, 'workloads');
  // Pods are refused until the controller manager has created the namespace's default ServiceAccount.
  await waitFor('default ServiceAccount', () =>
    kubeCall(() => core.readNamespacedServiceAccount({ namespace: ns.name, name: 'default' })),
  );
});

afterAll(async () => {
  await ns?.remove();
});

describe('workloads on the KWOK node', () => {
  it('a Pod is scheduled onto the node and becomes Running with a pod IP', async () => {
    await kubeCall(() =>
      core.createNamespacedPod({
        namespace: ns.name,
        body: {
          metadata: { name: 'shell', labels: { app: 'shell' } },
          spec: { containers: [{ name: 'main', image: 'autolabs/linux-basics:latest', command: ['sleep', 'infinity'] }] },
        },
      }),
    );
    const pod = await waitFor('pod shell Running', async () => {
      const p = await core.readNamespacedPod({ namespace: ns.name, name: 'shell' });
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    });
    expect(pod.spec?.nodeName).toBe('kwok-node-0');
    expect(pod.status?.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('a NodePort Service is given a port in the node-port range and a cluster IP', async () => {
    const svc = await kubeCall(() =>
      core.createNamespacedService({
        namespace: ns.name,
        body: {
          metadata: { name: 'ssh' },
          spec: { type: 'NodePort', selector: { app: 'shell' }, ports: [{ name: 'ssh', port: 22, targetPort: 22 }] },
        },
      }),
    );
    const nodePort = svc.spec?.ports?.[0]?.nodePort ?? 0;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(nodePort).toBeLessThanOrEqual(32767);
    expect(svc.spec?.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
  });

  it('a new namespace gets its default ServiceAccount and root CA ConfigMap from the controller manager', async () => {
    const fresh = await createTestNamespace(kc, 'controllers');
    try {
      await waitFor('default ServiceAccount', () =>
        kubeCall(() => core.readNamespacedServiceAccount({ namespace: fresh.name, name: 'default' })),
      );
      const ca = await waitFor('kube-root-ca.crt', () =>
        kubeCall(() => core.readNamespacedConfigMap({ namespace: fresh.name, name: 'kube-root-ca.crt' })),
      );
      expect(ca.data?.['ca.crt']).toContain('BEGIN CERTIFICATE');
    } finally {
      await fresh.remove();
    }
  });

  it('deleting a namespace that holds a running Pod finishes: the namespace is gone afterwards', async () => {
    const doomed = await createTestNamespace(kc, 'doomed');
    await waitFor('default ServiceAccount', () =>
      kubeCall(() => core.readNamespacedServiceAccount({ namespace: doomed.name, name: 'default' })),
    );
    await kubeCall(() =>
      core.createNamespacedPod({
        namespace: doomed.name,
        body: { metadata: { name: 'victim' }, spec: { containers: [{ name: 'main', image: 'autolabs/linux-basics:latest' }] } },
      }),
    );
    await waitFor('pod victim Running', async () => {
      const p = await core.readNamespacedPod({ namespace: doomed.name, name: 'victim' });
      return p.status?.phase === 'Running' ? p : undefined;
    });
    await deleteNamespace(kc, doomed.name);
    const gone = await waitFor(
      `namespace ${doomed.name} deleted`,
      () =>
        kubeCall(() => core.readNamespace({ name: doomed.name })).then(
          () => undefined,
          (e: unknown) => (e instanceof AppError && e.code === 'NOT_FOUND' ? e : undefined),
        ),
      45_000,
    );
    expect(gone.code).toBe('NOT_FOUND');
  });
});
