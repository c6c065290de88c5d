/**
 * A real `helm install` of charts/autolabs into the test cluster, where KWOK brings the pods up; then checks
 * that what the chart declares exists and that its RBAC authorises exactly what each process needs.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterEnv } from './cluster-env';
import { AppsV1Api, AuthorizationV1Api, CoreV1Api, NetworkingV1Api, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { kubeCall } from './kube/api-errors';
import { chart, devValuesWithTicketKeys } from './kube/chart-values';
import { helm } from './kube/helm';
import { createTestNamespace, deleteNamespace, loadKubeConfig } from './kube/test-namespace';
import { waitFor } from './kube/wait-for';

const dev = devValuesWithTicketKeys();
let kubeconfig: string;
let kc: KubeConfig;
let release: Awaited<ReturnType<typeof createTestNamespace>>;
const labNamespace = `labs-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  kubeconfig = clusterEnv().kubeconfig;
  kc = loadKubeConfig(kubeconfig);
  release = await createTestNamespace(kc, 'helm');
  await waitFor('default ServiceAccount', () =>
    kubeCall(() => kc.makeApiClient(CoreV1Api).readNamespacedServiceAccount({ namespace: release.name, name: 'default' })),
  );
  const r = await helm(kubeconfig, [
    'install',
    'autolabs',
    chart,
    '--namespace',
    release.name,
    ...dev.args,
    '--set',
    `labNamespace.name=${labNamespace}`,
    '--wait',
    '--timeout',
    '2m',
  ]);
  if (r.code !== 0) throw new Error(`helm install failed: ${r.stderr}`);
});

afterAll(async () => {
  if (release) await helm(kubeconfig, ['uninstall', 'autolabs', '--namespace', release.name, '--wait']);
  await release?.remove();
  await deleteNamespace(kc, labNamespace);
  dev.cleanup();
});

it('every Deployment reports its replicas available and its pods Running on the KWOK node', async () => {
  const apps = kc.makeApiClient(AppsV1Api);
  const list = await apps.listNamespacedDeployment({ namespace: release.name });
  expect(list.items.map((d) => [d.metadata?.name, d.status?.availableReplicas]).sort()).toEqual([
    ['autolabs-api', 1],
    ['autolabs-gateway', 1],
    ['autolabs-worker', 1],
  ]);
  const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: release.name });
  expect(pods.items.map((p) => [p.status?.phase, p.spec?.nodeName])).toEqual(Array(3).fill(['Running', 'kwok-node-0']));
});

it('the Services, Ingress, Secret and lab namespace exist with the declared shape', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const api = await core.readNamespacedService({ namespace: release.name, name: 'autolabs-api' });
  expect(api.spec?.selector?.['app.kubernetes.io/component']).toBe('api');
  await core.readNamespacedService({ namespace: release.name, name: 'autolabs-gateway' });
  const secret = await core.readNamespacedSecret({ namespace: release.name, name: 'autolabs' });
  expect(Object.keys(secret.data ?? {}).sort()).toEqual(
    ['AMQP_URL', 'DATABASE_URL', 'REDIS_URL', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'TICKET_PRIVATE_KEY', 'TICKET_PUBLIC_KEY', 'GATEWAY_SSH_HOST_KEY', 'GATEWAY_SSH_HOST_PUBLIC_KEY', 'INTERNAL_API_SECRET'].sort(),
  );
  const ingress = await kc.makeApiClient(NetworkingV1Api).readNamespacedIngress({ namespace: release.name, name: 'autolabs' });
  expect(ingress.spec?.rules?.[0]?.http?.paths.map((p) => [p.path, p.backend.service?.name])).toEqual([
    ['/gateway', 'autolabs-gateway'],
    ['/', 'autolabs-api'],
  ]);
  const ns = await core.readNamespace({ name: labNamespace });
  expect(ns.metadata?.labels?.['autolabs.io/role']).toBe('labs');
  const roles = await kc.makeApiClient(RbacAuthorizationV1Api).listNamespacedRole({ namespace: labNamespace });
  expect(roles.items.map((r) => r.metadata?.name).sort()).toEqual(['autolabs-lab-runtime', 'autolabs-lab-terminal']);
});

it('the chart RBAC lets the runtime manage lab pods only in the lab namespace and the gateway only exec', async () => {
  const authz = kc.makeApiClient(AuthorizationV1Api);
  type Attrs = { namespace: string; verb: string; resource: string; group?: string; subresource?: string };
  const can = async (sa: string, attrs: Attrs) => {
    const review = await authz.createSubjectAccessReview({
      body: {
        spec: {
          user: `system:serviceaccount:${release.name}:${sa}`,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${release.name}`],
          resourceAttributes: attrs,
        },
      },
    });
    return review.status?.allowed ?? false;
  };
  const lab = labNamespace;
  expect(await can('autolabs-runtime', { namespace: lab, verb: 'create', resource: 'pods' })).toBe(true);
  expect(await can('autolabs-runtime', { namespace: lab, verb: 'create', resource: 'networkpolicies', group: 'networking.k8s.io' })).toBe(true);
  expect(await can('autolabs-runtime', { namespace: release.name, verb: 'create', resource: 'pods' })).toBe(false);
  expect(await can('autolabs-runtime', { namespace: lab, verb: 'create', resource: 'roles', group: 'rbac.authorization.k8s.io' })).toBe(false);
  expect(await can('autolabs-gateway', { namespace: lab, verb: 'create', resource: 'pods', subresource: 'exec' })).toBe(true);
  expect(await can('autolabs-gateway', { namespace: lab, verb: 'create', resource: 'pods' })).toBe(false);
  expect(await can('autolabs-gateway', { namespace: lab, verb: 'get', resource: 'secrets' })).toBe(false);
});
