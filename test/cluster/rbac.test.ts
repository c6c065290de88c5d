/**
 * RBAC is enforced by this apiserver: a ServiceAccount bound to a Role in its own namespace (the shape the
 * platform uses for the lab namespace) may act there and is refused everywhere else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@autolabs/common/errors/app-error';
import { clusterEnv } from './cluster-env';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { kubeCall } from './kube/api-errors';
import { createTestNamespace, loadKubeConfig } from './kube/test-namespace';
import { waitFor } from './kube/wait-for';

let admin: KubeConfig;
let labs: Awaited<ReturnType<typeof createTestNamespace>>;
let other: Awaited<ReturnType<typeof createTestNamespace>>;
let asRunner: CoreV1Api;

/** A kubeconfig for the same cluster that authenticates with the given bearer token. */
function withToken(base: KubeConfig, token: string): KubeConfig {
  const cluster = base.getCurrentCluster();
  if (!cluster) throw new Error('admin kubeconfig has no current cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'lab-runner', token }],
    contexts: [{ name: 'lab-runner', cluster: cluster.name, user: 'lab-runner' }],
    currentContext: 'lab-runner',
  });
  return kc;
}

beforeAll(async () => {
  admin = loadKubeConfig(clusterEnv().kubeconfig);
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  labs = await createTestNamespace(admin, 'rbac-labs');
  other = await createTestNamespace(admin, 'rbac-other');

  await kubeCall(() => core.createNamespacedServiceAccount({ namespace: labs.name, body: { metadata: { name: 'lab-runner' } } }));
  await kubeCall(() =>
    rbac.createNamespacedRole({
      namespace: labs.name,
      body: {
        metadata: { name: 'lab-runner' },
        rules: [{ apiGroups: [''], resources: ['pods', 'services', 'configmaps'], verbs: ['get', 'list', 'create', 'delete'] }],
      },
    }),
  );
  await kubeCall(() =>
    rbac.createNamespacedRoleBinding({
      namespace: labs.name,
      body: {
        metadata: { name: 'lab-runner' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'lab-runner' },
        subjects: [{ kind: 'ServiceAccount', name: 'lab-runner', namespace: labs.name }],
      },
    }),
  );
  // A bound token from the TokenRequest API, signed with the cluster's service-account key.
  const request = await kubeCall(() =>
    core.createNamespacedServiceAccountToken({
      namespace: labs.name,
      name: 'lab-runner',
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    }),
  );
  const token = request.status?.token;
  if (!token) throw new Error('TokenRequest returned no token');
  asRunner = withToken(admin, token).makeApiClient(CoreV1Api);
});

afterAll(async () => {
  await labs?.remove();
  await other?.remove();
});

describe('RBAC limited to one namespace', () => {
  it('the service account may create and list ConfigMaps in its own namespace', async () => {
    // The RBAC authorizer's cache can lag a freshly created binding by a moment.
    await waitFor('binding effective', () =>
      kubeCall(() => asRunner.createNamespacedConfigMap({ namespace: labs.name, body: { metadata: { name: 'allowed' } } })),
    );
    const list = await kubeCall(() => asRunner.listNamespacedConfigMap({ namespace: labs.name }));
    expect(list.items.map((c) => c.metadata?.name)).toContain('allowed');
  });

  it('the same service account is refused with FORBIDDEN in another namespace', async () => {
    const e = await kubeCall(() => asRunner.listNamespacedConfigMap({ namespace: other.name })).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('FORBIDDEN');
    expect((e as AppError).message).toContain(`system:serviceaccount:${labs.name}:lab-runner`);
    expect((e as AppError).message).toContain(`cannot list resource "configmaps" in API group "" in the namespace "${other.name}"`);
  });

  it('the service account cannot act at cluster scope, such as listing namespaces', async () => {
    const e = await kubeCall(() => asRunner.listNamespace()).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((e as AppError).code).toBe('FORBIDDEN');
  });
});
