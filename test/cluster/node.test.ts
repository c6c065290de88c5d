/**
 * The real node (containerd, runc, CNI bridge, kubelet, kube-proxy, kube-router's NetworkPolicy firewall,
 * CoreDNS, local-path-provisioner; see docs/testing-cluster.md): what KWOK only pretends, done for real.
 * Every wait polls the API or the pods with a deadline that names what it waits for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, NetworkingV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { exitCodeOf } from '@autolabs/common/lab-access/kubernetes/exec-status';
import { clusterEnv } from './cluster-env';
import { kubeCall } from './kube/api-errors';
import { execOnce } from './kube/exec-capture';
import { REAL_NODE_NAME, REAL_NODE_POD_IP, realNodePod, registryImage, type RealNodePodSpec } from './kube/real-node';
import { createTestNamespace, loadKubeConfig } from './kube/test-namespace';
import { waitFor } from './kube/wait-for';

let kc: KubeConfig;
let core: CoreV1Api;
let net: NetworkingV1Api;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let busybox: string;

beforeAll(async () => {
  kc = loadKubeConfig(clusterEnv().kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  net = kc.makeApiClient(NetworkingV1Api);
  busybox = await registryImage(clusterEnv().labImageRegistry, 'busybox');
  ns = await createTestNamespace(kc, 'node');
  await waitFor('default ServiceAccount', () =>
    kubeCall(() => core.readNamespacedServiceAccount({ namespace: ns.name, name: 'default' })),
  );
});

afterAll(async () => {
  await ns?.remove();
});

async function runningPod(spec: Omit<RealNodePodSpec, 'image'>): Promise<V1Pod> {
  await kubeCall(() => core.createNamespacedPod({ namespace: ns.name, body: realNodePod({ ...spec, image: busybox }) }));
  return waitFor(
    `pod ${ns.name}/${spec.name} Running with an IP`,
    async () => {
      const p = await core.readNamespacedPod({ namespace: ns.name, name: spec.name });
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    },
    90_000,
  );
}

async function deletePodAndWait(name: string): Promise<void> {
  await kubeCall(() => core.deleteNamespacedPod({ namespace: ns.name, name, gracePeriodSeconds: 0 }));
  await waitFor(`pod ${ns.name}/${name} gone`, async () => {
    const pods = await core.listNamespacedPod({ namespace: ns.name, fieldSelector: `metadata.name=${name}` });
    return pods.items.length === 0 ? true : undefined;
  });
}

function sh(pod: string, script: string) {
  return execOnce(kc, { namespace: ns.name, pod, container: 'main' }, ['sh', '-c', script]);
}

// Debian's static busybox crashes in `wget` (SIGSEGV before any I/O), so HTTP is spoken through `nc`.
const httpGet = (host: string, port: number) => `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${host} ${port}`;

/** An HTTP GET from inside `from`; resolves with the body, or undefined when no answer came. */
async function fetchFrom(from: string, host: string, port: number): Promise<string | undefined> {
  const r = await sh(from, httpGet(host, port));
  const [head, body] = r.stdout.split('\r\n\r\n');
  return exitCodeOf(r.status) === 0 && /^HTTP\/1\.[01] 200 /.test(head ?? '') ? body : undefined;
}

const SERVE = 'mkdir -p /www && echo "served by $(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www';

describe('the real node', () => {
  let server: V1Pod;

  it('pulls an image from the local registry and runs the pod to Running, with an IP on the node', async () => {
    server = await runningPod({ name: 'web', labels: { app: 'web' }, command: ['sh', '-c', SERVE] });
    expect(server.spec?.nodeName).toBe(REAL_NODE_NAME);
    expect(server.status?.podIP).toMatch(REAL_NODE_POD_IP);
    const status = server.status?.containerStatuses?.[0];
    expect(status?.image).toBe(busybox);
    expect(status?.imageID).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(status?.ready).toBe(true);
  });

  it('runs exec through the API inside the container: output, and the exit code from kubelet', async () => {
    const ok = await sh('web', 'echo "in $(hostname)"; echo warn >&2');
    expect(ok.stdout).toBe('in web\n');
    expect(ok.stderr).toBe('warn\n');
    expect(exitCodeOf(ok.status)).toBe(0);

    const failed = await sh('web', 'exit 7');
    expect(failed.status.status).toBe('Failure');
    expect(failed.status.details?.causes).toContainEqual({ reason: 'ExitCode', message: '7' });
    expect(exitCodeOf(failed.status)).toBe(7);
  });

  it('lets two pods reach each other by pod IP and by Service DNS name', async () => {
    await runningPod({ name: 'client', labels: { app: 'client' }, command: ['sleep', '3600'] });
    expect(await fetchFrom('client', server.status?.podIP ?? '', 8080)).toBe('served by web\n');

    await kubeCall(() =>
      core.createNamespacedService({
        namespace: ns.name,
        body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
      }),
    );
    const body = await waitFor(
      `Service ${ns.name}/web answering at web.${ns.name}.svc.cluster.local`,
      () => fetchFrom('client', `web.${ns.name}.svc.cluster.local`, 80),
      60_000,
    );
    expect(body).toBe('served by web\n');
    // The short name too, through the pod's DNS search path.
    expect(await fetchFrom('client', 'web', 80)).toBe('served by web\n');
  });

  it('enforces a default-deny NetworkPolicy, and traffic flows again once it is deleted', async () => {
    const ip = server.status?.podIP ?? '';
    expect(await fetchFrom('client', ip, 8080)).toBe('served by web\n');

    await kubeCall(() =>
      net.createNamespacedNetworkPolicy({
        namespace: ns.name,
        body: { metadata: { name: 'deny-all' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
      }),
    );
    await waitFor(
      `NetworkPolicy ${ns.name}/deny-all blocking client -> web`,
      async () => ((await fetchFrom('client', ip, 8080)) === undefined ? true : undefined),
      45_000,
    );
    // Blocked means no answer: the connection times out or is rejected, and nothing is served.
    const blocked = await sh('client', httpGet(ip, 8080));
    expect(exitCodeOf(blocked.status)).not.toBe(0);
    expect(blocked.stdout).toBe('');

    await kubeCall(() => net.deleteNamespacedNetworkPolicy({ namespace: ns.name, name: 'deny-all' }));
    const body = await waitFor(
      `traffic client -> web after NetworkPolicy ${ns.name}/deny-all was deleted`,
      () => fetchFrom('client', ip, 8080),
      45_000,
    );
    expect(body).toBe('served by web\n');
  }, 120_000);

  it('binds a PVC from local-path-provisioner, and its data outlives the pod that wrote it', async () => {
    await kubeCall(() =>
      core.createNamespacedPersistentVolumeClaim({
        namespace: ns.name,
        body: {
          metadata: { name: 'data' },
          spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } },
        },
      }),
    );
    const volume = { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }], volumeMounts: [{ name: 'data', mountPath: '/data' }] };
    await runningPod({ name: 'writer', command: ['sh', '-c', 'echo kept-across-pods > /data/proof && exec sleep 3600'], ...volume });
    const pvc = await waitFor(`PVC ${ns.name}/data Bound`, async () => {
      const c = await core.readNamespacedPersistentVolumeClaim({ namespace: ns.name, name: 'data' });
      return c.status?.phase === 'Bound' ? c : undefined;
    });
    const pv = await core.readPersistentVolume({ name: pvc.spec?.volumeName ?? '' });
    expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values).toEqual([REAL_NODE_NAME]);

    await deletePodAndWait('writer');
    const after = await core.readNamespacedPersistentVolumeClaim({ namespace: ns.name, name: 'data' });
    expect(after.status?.phase).toBe('Bound');

    await runningPod({ name: 'reader', command: ['sleep', '3600'], ...volume });
    const read = await sh('reader', 'cat /data/proof');
    expect(read.stdout).toBe('kept-across-pods\n');
  });
});
