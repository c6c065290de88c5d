/**
 * The apiserver's own validation is the authority on object shape; our thin client must surface its
 * message as BAD_INPUT instead of a generic failure. Also shows that the objects a lab relies on
 * (NetworkPolicy, PersistentVolumeClaim) are served by this control plane.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@autolabs/common/errors/app-error';
import { clusterEnv } from './cluster-env';
import { CoreV1Api, NetworkingV1Api, type KubeConfig } from '@kubernetes/client-node';
import { kubeCall } from './kube/api-errors';
import { createTestNamespace, loadKubeConfig } from './kube/test-namespace';

let kc: KubeConfig;
let core: CoreV1Api;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;

beforeAll(async () => {
  kc = loadKubeConfig(clusterEnv().kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  ns = await createTestNamespace(kc, 'validation');
});

afterAll(async () => {
  await ns?.remove();
});

async function rejection(call: () => Promise<unknown>): Promise<AppError> {
  const e = await kubeCall(call).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('apiserver validation surfaced as BAD_INPUT', () => {
  it('a Service name over 63 characters is rejected with the apiserver message naming metadata.name', async () => {
    const name = 'x'.repeat(64);
    const e = await rejection(() =>
      core.createNamespacedService({ namespace: ns.name, body: { metadata: { name }, spec: { ports: [{ port: 80 }] } } }),
    );
    expect(e.code).toBe('BAD_INPUT');
    expect(e.field).toBe('metadata.name');
    expect(e.message).toContain('must be no more than 63 characters');
  });

  it('a label value with a space is rejected with the apiserver label rule', async () => {
    const e = await rejection(() =>
      core.createNamespacedConfigMap({
        namespace: ns.name,
        body: { metadata: { name: 'labelled', labels: { course: 'linux 101' } } },
      }),
    );
    expect(e.code).toBe('BAD_INPUT');
    expect(e.field).toBe('metadata.labels');
    expect(e.message).toContain('a valid label must be an empty string or consist of alphanumeric characters');
  });

  it('a malformed resource quantity is rejected with the apiserver quantity rule', async () => {
    const e = await rejection(() =>
      core.createNamespacedPod({
        namespace: ns.name,
        body: {
          metadata: { name: 'greedy' },
          spec: { containers: [{ name: 'main', image: 'busybox', resources: { limits: { cpu: 'lots' } } }] },
        },
      }),
    );
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toContain('quantities must match the regular expression');
  });

  it('a NetworkPolicy denying all but DNS egress is accepted and stored as sent', async () => {
    const net = kc.makeApiClient(NetworkingV1Api);
    await kubeCall(() =>
      net.createNamespacedNetworkPolicy({
        namespace: ns.name,
        body: {
          metadata: { name: 'lab-isolation' },
          spec: {
            podSelector: {},
            policyTypes: ['Ingress', 'Egress'],
            egress: [{ ports: [{ protocol: 'UDP', port: 53 }] }],
          },
        },
      }),
    );
    const stored = await net.readNamespacedNetworkPolicy({ namespace: ns.name, name: 'lab-isolation' });
    expect(stored.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(stored.spec?.egress?.[0]?.ports?.[0]?.port).toBe(53);
  });

  it('a PersistentVolumeClaim for a student volume is accepted with its requested size', async () => {
    await kubeCall(() =>
      core.createNamespacedPersistentVolumeClaim({
        namespace: ns.name,
        body: {
          metadata: { name: 'home' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      }),
    );
    const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: ns.name, name: 'home' });
    expect(pvc.spec?.resources?.requests?.storage).toBe('1Gi');
  });
});
