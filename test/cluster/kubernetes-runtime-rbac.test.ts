/**
 * KubernetesRuntime with exactly the rights the Helm chart grants it: the chart's `-lab-runtime` Role
 * (rendered with `helm template`) bound to a fresh ServiceAccount in a lab namespace, authenticating with a
 * bound token. Such an account cannot read Namespace objects, so checkAvailable must prove access another
 * way; and a whole lab lifecycle must succeed without any cluster-wide right.
 */
import { randomUUID } from 'node:crypto';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import pino from 'pino';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterEnv } from './cluster-env';
import { kubeCall } from '../../server/src/runtime/kubernetes/kube-errors';
import { KubernetesRuntime } from '../../server/src/runtime/kubernetes/kubernetes-runtime';
import { instanceNames } from '../../server/src/runtime/kubernetes/names';
import { startRequest } from '../../server/src/runtime/kubernetes/testing/lab-request';
import { chart } from './kube/chart-values';
import { helm } from './kube/helm';
import { createTestNamespace, loadKubeConfig } from './kube/test-namespace';
import { waitFor } from './kube/wait-for';

const log = pino({ level: 'silent' });
let admin: KubeConfig;
let core: CoreV1Api;
let labs: Awaited<ReturnType<typeof createTestNamespace>>;
let volume: string | undefined;

/** The rules of the chart's lab-runtime Role, as `helm template` renders them for this lab namespace. */
async function chartRuntimeRules(labNamespace: string): Promise<V1PolicyRule[]> {
  const r = await helm(clusterEnv().kubeconfig, ['template', 'autolabs', chart, '--set', 's3.endpoint=http://minio:9000', '--set', `labNamespace.name=${labNamespace}`]);
  expect(r.code).toBe(0);
  const role = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string }; rules?: V1PolicyRule[] } | null)
    .find((m) => m?.kind === 'Role' && m.metadata?.name?.endsWith('-lab-runtime'));
  if (!role?.rules) throw new Error('the chart renders no -lab-runtime Role');
  return role.rules;
}

/** A ServiceAccount in `namespace` bound to a Role with `rules`; returns a kubeconfig using its token. */
async function accountWith(namespace: string, name: string, rules: V1PolicyRule[]): Promise<KubeConfig> {
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await kubeCall(() => core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }));
  if (rules.length > 0) {
    await kubeCall(() => rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules } }));
    await kubeCall(() =>
      rbac.createNamespacedRoleBinding({
        namespace,
        body: { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name, namespace }] },
      }),
    );
  }
  const token = (await kubeCall(() => core.createNamespacedServiceAccountToken({ namespace, name, body: { spec: { audiences: [], expirationSeconds: 600 } } }))).status?.token;
  const cluster = admin.getCurrentCluster();
  if (!token || !cluster) throw new Error('no token or no cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [cluster], users: [{ name, token }], contexts: [{ name, cluster: cluster.name, user: name }], currentContext: name });
  return kc;
}

beforeAll(async () => {
  admin = loadKubeConfig(clusterEnv().kubeconfig);
  core = admin.makeApiClient(CoreV1Api);
  labs = await createTestNamespace(admin, 'k8s-runtime-rbac');
  await waitFor('default ServiceAccount', () => kubeCall(() => core.readNamespacedServiceAccount({ namespace: labs.name, name: 'default' })));
});

afterAll(async () => {
  await labs?.remove();
  if (volume) await kubeCall(() => core.deletePersistentVolume({ name: volume ?? '' })).catch(() => undefined);
});

describe('KubernetesRuntime with the chart RBAC', () => {
  it('an account without rights in the namespace is told RUNTIME_UNAVAILABLE naming what it cannot do', async () => {
    const kc = await accountWith(labs.name, 'no-rights', []);
    const runtime = new KubernetesRuntime({ kubeConfig: kc, namespace: labs.name, log });
    await expect(runtime.checkAvailable()).rejects.toMatchObject({
      code: 'RUNTIME_UNAVAILABLE',
      message: expect.stringContaining(`cannot list pods in namespace ${labs.name}`),
    });
  });

  it('the chart Role suffices: checkAvailable passes and a lab starts, runs a check, stops and is destroyed', async () => {
    const kc = await accountWith(labs.name, 'lab-runtime', await chartRuntimeRules(labs.name));
    const runtime = new KubernetesRuntime({ kubeConfig: kc, namespace: labs.name, log, startTimeoutMs: 45_000, deleteTimeoutMs: 45_000 });
    // The RBAC authorizer's cache can lag a freshly created binding by a moment.
    await waitFor('binding effective', () => runtime.checkAvailable().then(() => true));

    const req = startRequest({ instanceId: randomUUID() }, { containers: [{ name: 'shell', image: 'autolabs/linux-basics:latest', terminal: true, ssh: true }] });
    const names = instanceNames(req);
    volume = `${labs.name}-${names.pvc}`.slice(0, 63).replace(/-+$/, '');
    await kubeCall(() =>
      core.createPersistentVolume({
        body: {
          metadata: { name: volume },
          spec: {
            capacity: { storage: '1Gi' },
            accessModes: ['ReadWriteOnce'],
            persistentVolumeReclaimPolicy: 'Retain',
            hostPath: { path: `/tmp/autolabs-k8s-volumes/${volume}` },
            claimRef: { namespace: labs.name, name: names.pvc },
          },
        },
      }),
    );
    const handle = await runtime.start(req);
    expect((await runtime.status(handle)).phase).toBe('running');
    expect(await runtime.exec(handle, req.config, ['echo', 'as-the-runtime-account'])).toEqual({ exitCode: 0, stdout: 'as-the-runtime-account\n', stderr: '' });
    await runtime.stop(handle);
    expect(await runtime.status(handle)).toEqual({ phase: 'stopped' });
    await runtime.destroy(handle);
    expect(await runtime.status(handle)).toEqual({ phase: 'absent' });
  });
});
