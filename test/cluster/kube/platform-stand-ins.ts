/**
 * What a lab must not reach, made reachable for the isolation test (real-node-isolation.test.ts), each as a
 * TCP target that a pod on the real node can dial:
 * - the API and gateway as pods with the chart's labels (component api on 3000, gateway on 3001, the chart's
 *   ports) and as processes on this machine, as in development and these tests; the gateway pod also
 *   probes labs, since the lab policy admits it; a third pod without those labels is a stranger;
 * - this machine's Postgres, Redis and RabbitMQ at 172.31.255.1 (the address the node sees): here they
 *   listen on 127.0.0.1 only, so a proxy of the test forwards that address's port to the real service;
 *   one that already listens on every address is used as it is;
 * - UDP echo servers on this machine, one on port 53 (a resolver outside the cluster: DNS is allowed to the
 *   cluster's DNS only) and one on a free port;
 * - the apiserver (its `kubernetes` Service and 172.31.255.1, which the node's DNAT sends to it), the node's
 *   registry, the kubelet on the node's address, and a port of the DNS pod other than 53;
 * - 169.254.169.254:80 (the cloud metadata address) and 203.0.113.77:80 (a public address, "the internet"),
 *   both answered by listeners of the test through an nftables DNAT for traffic from the node only.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_GATEWAY_PEER } from '../../../server/src/runtime/kubernetes/manifests/network-policy';
import type { ClusterEnv } from '../cluster-env';
import { kubeCall } from './api-errors';
import { bannerServer, dnatFromNode, listeningSockets, NODE_HOST_IP, NODE_IP, tcpProxy, udpEcho, type Listener } from './node-host';
import { realNodePod } from './real-node';
import type { Target } from './tcp-probes';
import { waitFor } from './wait-for';

export const METADATA_IP = '169.254.169.254';
export const PUBLIC_IP = '203.0.113.77';
const KUBELET_PORT = 10250;
const API_PORT = 3000;
const GATEWAY_PORT = 3001;
const HOST_SERVICES = { postgres: 5432, redis: 6379, rabbitmq: 5672 } as const;

export interface PlatformStandIns {
  /** Everything of the platform and the node (not the metadata or public address). */
  targets: Target[];
  metadata: Target;
  internet: Target;
  /** The ports of this machine's services at NODE_HOST_IP. */
  ports: Record<keyof typeof HOST_SERVICES, number>;
  pods: { gateway: string; api: string; stranger: string };
  kubernetesServiceIp: string;
  stop(): Promise<void>;
}

/** Debian's python3 in our sqli-attacker image serves HTTP; bash and coreutils there run the probes. */
function servingPod(name: string, image: string, labels: Record<string, string>, port: number) {
  return realNodePod({ name, image, labels, command: ['python3', '-m', 'http.server', String(port), '--directory', '/tmp'] });
}

export async function startPlatformStandIns(kc: KubeConfig, namespace: string, cluster: ClusterEnv): Promise<PlatformStandIns> {
  const core = kc.makeApiClient(CoreV1Api);
  const listeners: Listener[] = [];
  let dnat: { remove(): Promise<void> } | undefined;
  const stop = async () => {
    await dnat?.remove();
    for (const l of listeners) await l.close();
  };
  try {
    const ports = await hostServices(listeners);
    const apiHost = await bannerServer(NODE_HOST_IP, 0, 'api stand-in\n');
    const gatewayHost = await bannerServer(NODE_HOST_IP, 0, 'gateway stand-in\n');
    const metadata = await bannerServer(NODE_HOST_IP, 0, 'metadata stand-in\n');
    const internet = await bannerServer(NODE_HOST_IP, 0, 'internet stand-in\n');
    const udpDns = await udpEcho(NODE_HOST_IP, 53);
    const udpOther = await udpEcho(NODE_HOST_IP, 0);
    listeners.push(apiHost, gatewayHost, metadata, internet, udpDns, udpOther);
    dnat = await dnatFromNode(`autolabs_isolation_${process.pid}`, [
      { address: METADATA_IP, port: 80, toPort: metadata.port },
      { address: PUBLIC_IP, port: 80, toPort: internet.port },
    ]);

    const registry = `${cluster.labImageRegistry}/autolabs`;
    const pods = { api: 'platform-api', gateway: 'platform-gateway', stranger: 'stranger' };
    const chart = { 'app.kubernetes.io/name': 'autolabs' };
    for (const body of [
      servingPod(pods.api, `${registry}/sqli-attacker:latest`, { ...chart, 'app.kubernetes.io/component': 'api' }, API_PORT),
      servingPod(pods.gateway, `${registry}/sqli-attacker:latest`, DEFAULT_GATEWAY_PEER.podLabels, GATEWAY_PORT),
      realNodePod({ name: pods.stranger, image: `${registry}/netlab:latest`, command: ['sleep', 'infinity'] }),
    ]) {
      await kubeCall(() => core.createNamespacedPod({ namespace, body }));
    }
    const ipOf = (name: string) =>
      waitFor(
        `pod ${namespace}/${name} Running with an IP`,
        async () => {
          const p = await core.readNamespacedPod({ namespace, name });
          return p.status?.phase === 'Running' && p.status.podIP ? p.status.podIP : undefined;
        },
        600_000,
      );
    const [apiIp, gatewayIp] = [await ipOf(pods.api), await ipOf(pods.gateway)];
    await ipOf(pods.stranger);

    const dnsPods = await core.listPodForAllNamespaces({ labelSelector: 'k8s-app=kube-dns' });
    const dnsIp = dnsPods.items.find((p) => p.status?.phase === 'Running' && p.status.podIP)?.status?.podIP;
    if (!dnsIp) throw new Error('no Running kube-dns pod with an IP (the node-addons chart)');
    const kubernetesServiceIp = (await core.readNamespacedService({ namespace: 'default', name: 'kubernetes' })).spec?.clusterIP ?? '';
    const apiserverPort = Number(new URL(kc.getCurrentCluster()?.server ?? '').port);
    const registryPort = Number(cluster.labImageRegistry.split(':')[1]);

    return {
      targets: [
        { name: 'api-pod', host: apiIp, port: API_PORT },
        { name: 'gateway-pod', host: gatewayIp, port: GATEWAY_PORT },
        { name: 'api-host', host: NODE_HOST_IP, port: apiHost.port },
        { name: 'gateway-host', host: NODE_HOST_IP, port: gatewayHost.port },
        ...Object.entries(ports).map(([name, port]) => ({ name, host: NODE_HOST_IP, port })),
        { name: 'apiserver-service', host: kubernetesServiceIp, port: 443 },
        { name: 'apiserver', host: NODE_HOST_IP, port: apiserverPort },
        { name: 'registry', host: NODE_HOST_IP, port: registryPort },
        { name: 'kubelet', host: NODE_IP, port: KUBELET_PORT },
        { name: 'dns-pod-8080', host: dnsIp, port: 8080 },
        { name: 'udp-53-host', host: NODE_HOST_IP, port: 53, protocol: 'udp' },
        { name: 'udp-host', host: NODE_HOST_IP, port: udpOther.port, protocol: 'udp' },
      ],
      metadata: { name: 'metadata', host: METADATA_IP, port: 80 },
      internet: { name: 'internet', host: PUBLIC_IP, port: 80 },
      ports,
      pods,
      kubernetesServiceIp,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * This machine's Postgres, Redis and RabbitMQ as the node sees them; fails naming a service that does not
 * run here at all (the tests need the real services, see test/setup/services.ts).
 */
async function hostServices(listeners: Listener[]): Promise<Record<keyof typeof HOST_SERVICES, number>> {
  const sockets = await listeningSockets();
  const on = (address: string, port: number) => sockets.includes(`${address}:${port}`);
  for (const [name, port] of Object.entries(HOST_SERVICES)) {
    if (['0.0.0.0', '*', '[::]', NODE_HOST_IP].some((a) => on(a, port))) continue;
    if (!on('127.0.0.1', port)) throw new Error(`${name} does not listen on this machine (port ${port}); sockets: ${sockets.join(' ')}`);
    listeners.push(await tcpProxy(NODE_HOST_IP, port, port));
  }
  return { ...HOST_SERVICES };
}
