/**
 * Lab isolation on the cluster's real node, shown with real traffic (issue 13, point 3): labs started by the
 * KubernetesRuntime (their NetworkPolicy from manifests/network-policy.ts, enforced by kube-router) probe,
 * by TCP connect and UDP echo from inside the terminal container, the other lab, the platform (API and
 * gateway pods with the chart's labels and as processes on this machine, this machine's Postgres, Redis and
 * RabbitMQ, the apiserver, the registry, the kubelet), the metadata address and a public address. Every
 * target a lab must not reach is shown to be live by the same probe once the policies are deleted, so a
 * "closed" is the policy's doing, never "nothing listens". The platform's stand-ins and addresses are in
 * kube/platform-stand-ins.ts.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesRuntime } from '../../server/src/runtime/kubernetes/kubernetes-runtime';
import type { KubernetesHandle } from '../../server/src/runtime/kubernetes/kube-handle';
import { DEFAULT_GATEWAY_PEER, makeNetworkPolicy } from '../../server/src/runtime/kubernetes/manifests/network-policy';
import { instanceNames } from '../../server/src/runtime/kubernetes/names';
import { startRequest } from '../../server/src/runtime/kubernetes/testing/lab-request';
import type { StartRequest } from '../../server/src/runtime/lab-runtime';
import { buildImages } from '../integration/lab-image-fixture';
import { clusterEnv } from './cluster-env';
import { kubeCall } from './kube/api-errors';
import { execOnce } from './kube/exec-capture';
import { NODE_HOST_IP, NODE_IP } from './kube/node-host';
import { startPlatformStandIns, type PlatformStandIns } from './kube/platform-stand-ins';
import { REAL_NODE_NAME, REAL_NODE_TAINT_KEY } from './kube/real-node';
import { expectedReachability, parseProbes, probeScript, probeUntil, type Reachability, type Target } from './kube/tcp-probes';
import { createTestNamespace, loadKubeConfig } from './kube/test-namespace';
import { waitFor } from './kube/wait-for';

const cluster = clusterEnv();
const kc = loadKubeConfig(cluster.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const netApi = kc.makeApiClient(NetworkingV1Api);
const log = pino({ level: 'silent' });

/** An allowedEgress host name; the runtime's resolver (below) maps it to this machine's node-facing address. */
const CAMPUS_HOST = 'db.campus.test';
const SMALL = { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '500m', memory: '256Mi' } };

type Network = { internet?: boolean; allowedEgress?: { cidr?: string; host?: string; ports?: number[] }[] };

/** A netlab workstation (terminal, sshd on 22), and with `web` an nginx on port 80 beside it. */
function labSpec(network: Network, web: boolean) {
  return {
    containers: [
      { name: 'workstation', image: 'autolabs/netlab:latest', terminal: true, ssh: true, resources: SMALL },
      ...(web ? [{ name: 'web', image: 'autolabs/nginx:latest', ports: [{ name: 'http', containerPort: 80 }], resources: SMALL }] : []),
    ],
    network,
    storage: { size: '16Mi', mountPath: '/home/student' },
  };
}

interface Lab {
  name: string;
  req: StartRequest;
  handle: KubernetesHandle;
  ip: string;
}

let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let runtime: KubernetesRuntime;
let platform: PlatformStandIns;
let labA: Lab;
let labB: Lab;
let internetLab: Lab;
let egressLab: Lab;

async function startLab(name: string, network: Network, web = false): Promise<Lab> {
  const req = startRequest({ instanceId: randomUUID(), ownerKey: `u-${name}`, labKey: `iso-${name}` }, labSpec(network, web));
  const handle = (await runtime.start(req)) as KubernetesHandle;
  const pod = await core.readNamespacedPod({ namespace: ns.name, name: handle.pod });
  expect(pod.spec?.nodeName).toBe(REAL_NODE_NAME);
  return { name, req, handle, ip: pod.status?.podIP ?? '' };
}

/** Targets that belong to a lab's own pod: its sshd, and its nginx when it has one. */
function ownTargets(lab: Lab, web: boolean): Target[] {
  return [{ name: 'own-ssh', host: lab.ip, port: 22 }, ...(web ? [{ name: 'own-web', host: lab.ip, port: 80 }] : [])];
}

/** Lab A's and lab B's served ports, as other pods would dial them. */
function labTargets(...labs: Lab[]): Target[] {
  return labs.flatMap((l) => [
    { name: `lab-${l.name}-ssh`, host: l.ip, port: 22 },
    { name: `lab-${l.name}-web`, host: l.ip, port: 80 },
  ]);
}

async function probeFrom(lab: Lab, targets: Target[]): Promise<Reachability> {
  const r = await runtime.exec(lab.handle, lab.req.config, ['bash', '-c', probeScript(targets)], { timeoutMs: 60_000 });
  return parseProbes(targets, r.stdout);
}

async function probeFromPod(pod: string, targets: Target[]): Promise<Reachability> {
  const r = await execOnce(kc, { namespace: ns.name, pod, container: 'main' }, ['bash', '-c', probeScript(targets)]);
  return parseProbes(targets, r.stdout);
}

/** Polls until the expected-open targets answer; any expected-closed one that answers ends it at once. */
async function expectReach(from: Lab, targets: Target[], open: string[]): Promise<Reachability> {
  const expected = expectedReachability(targets, open);
  const seen = await probeUntil(() => probeFrom(from, targets), expected);
  expect(seen, `what lab ${from.name} reaches`).toEqual(expected);
  return seen;
}

/**
 * What the lab's resolver answers for `name` (getent's line). DNS is UDP: a query lost on the way (CoreDNS
 * still coming back after the outage tests, say) fails one lookup, so the lookup is asked again until it
 * answers, for up to a minute; a policy that kept DNS closed never answers and fails with getent's last exit.
 */
function resolveFrom(lab: Lab, name: string): Promise<string> {
  return waitFor(
    `${name} to resolve inside lab ${lab.name}`,
    async () => {
      const r = await runtime.exec(lab.handle, lab.req.config, ['getent', 'hosts', name]);
      if (r.exitCode !== 0) throw new Error(`getent hosts exited ${r.exitCode}${r.stderr ? `: ${r.stderr.trim()}` : ''}`);
      return r.stdout;
    },
    60_000,
  );
}

/** SSH's greeting from host:port, read from inside a pod or lab with bash (undefined when none came). */
const sshBanner = (host: string, port: number) => `timeout 5 bash -c 'exec 3<>/dev/tcp/${host}/${port}; head -c 8 <&3'`;

function bannerFromHost(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.setTimeout(5_000, () => (s.destroy(), resolve(undefined)));
    s.once('error', () => resolve(undefined));
    s.once('data', (d: Buffer) => (s.destroy(), resolve(d.toString('utf8').slice(0, 8))));
  });
}

beforeAll(async () => {
  // Our images into the node's registry (from the build cache in seconds; cold, every image is built).
  await buildImages({ LAB_IMAGE_REGISTRY: cluster.labImageRegistry, LAB_IMAGE_REGISTRY_INSECURE: '1' });
  ns = await createTestNamespace(kc, 'isolation');
  await waitFor('default ServiceAccount', () => kubeCall(() => core.readNamespacedServiceAccount({ namespace: ns.name, name: 'default' })));
  runtime = new KubernetesRuntime({
    kubeConfig: kc,
    namespace: ns.name,
    log,
    startTimeoutMs: 600_000,
    storageClassName: 'local-path',
    pod: {
      nodeSelector: { 'kubernetes.io/hostname': REAL_NODE_NAME },
      tolerations: [{ key: REAL_NODE_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' }],
      imageRewrites: [{ from: 'docker.io/autolabs/', to: `${cluster.labImageRegistry}/autolabs/` }],
    },
    resolveHost: async (host) => (host === CAMPUS_HOST ? [NODE_HOST_IP] : []),
  });
  platform = await startPlatformStandIns(kc, ns.name, cluster);
  [labA, labB, internetLab, egressLab] = await Promise.all([
    startLab('a', {}, true),
    startLab('b', {}, true),
    startLab('internet', { internet: true }),
    startLab('egress', {
      allowedEgress: [
        { cidr: `${NODE_HOST_IP}/32`, ports: [platform.ports.postgres] },
        { host: CAMPUS_HOST, ports: [platform.ports.redis] },
        { cidr: '0.0.0.0/0' },
      ],
    }),
  ]);
}, 1_800_000);

afterAll(async () => {
  await platform?.stop();
  await ns?.remove();
});

describe('lab isolation on the real node, with real traffic', () => {
  it('lab A and lab B cannot reach each other, both ways (sshd and web), while each reaches its own pod', async () => {
    await expectReach(labA, [...ownTargets(labA, true), ...labTargets(labB)], ['own-ssh', 'own-web']);
    await expectReach(labB, [...ownTargets(labB, true), ...labTargets(labA)], ['own-ssh', 'own-web']);
  });

  it('a lab with internet: false reaches nothing outside its pod but DNS', async () => {
    await expectReach(labA, [...ownTargets(labA, true), ...labTargets(labB), ...platform.targets, platform.metadata, platform.internet], ['own-ssh', 'own-web']);
    const answer = await resolveFrom(labA, 'kubernetes.default.svc.cluster.local');
    expect(answer.split(/\s+/)[0]).toBe(platform.kubernetesServiceIp);
  });

  it('a lab with internet: true reaches a public address, but not the platform, the node, another lab or 169.254.169.254', async () => {
    await expectReach(internetLab, [...labTargets(labA), ...platform.targets, platform.metadata, platform.internet], [platform.internet.name]);
  });

  it('allowedEgress opens exactly its entries (a cidr on its port, a host by its address); 0.0.0.0/0 only public addresses, never the platform or 169.254.169.254', async () => {
    const open = ['postgres', 'redis', platform.internet.name];
    await expectReach(egressLab, [...labTargets(labA), ...platform.targets, platform.metadata, platform.internet], open);
    // Through the host entry, this machine's real Redis answers.
    const ping = `exec 3<>/dev/tcp/${NODE_HOST_IP}/${platform.ports.redis}; printf 'PING\\r\\n' >&3; timeout 5 head -c 7 <&3`;
    const pong = await runtime.exec(egressLab.handle, egressLab.req.config, ['bash', '-c', ping]);
    expect(pong.stdout).toBe('+PONG\r\n');
  });

  it("a pod the policy treats as the gateway reaches the lab's sshd and web port; another pod only the sshd, which is open to all for the NodePort", async () => {
    const targets = labTargets(labA);
    const gateway = await probeUntil(() => probeFromPod(platform.pods.gateway, targets), expectedReachability(targets, targets.map((t) => t.name)));
    expect(gateway).toEqual({ 'lab-a-ssh': 'open', 'lab-a-web': 'open' });
    const banner = await execOnce(kc, { namespace: ns.name, pod: platform.pods.gateway, container: 'main' }, ['bash', '-c', sshBanner(labA.ip, 22)]);
    expect(banner.stdout).toBe('SSH-2.0-');

    const stranger = await probeUntil(() => probeFromPod(platform.pods.stranger, targets), expectedReachability(targets, ['lab-a-ssh']));
    expect(stranger).toEqual({ 'lab-a-ssh': 'open', 'lab-a-web': 'closed' });

    // The students' way in: the instance's NodePort on the node's address, from this machine.
    const svc = await core.readNamespacedService({ namespace: ns.name, name: labA.handle.service ?? '' });
    const nodePort = svc.spec?.ports?.find((p) => p.name === 'ssh')?.nodePort ?? 0;
    expect(await waitFor(`sshd of lab A at ${NODE_IP}:${nodePort}`, () => bannerFromHost(NODE_IP, nodePort), 60_000)).toBe('SSH-2.0-');
  });

  it('without the NetworkPolicies every one of those targets answers; recreated, they close again', async () => {
    const fromA = [...labTargets(labB), ...platform.targets, platform.metadata, platform.internet];
    const closedFromA = expectedReachability(fromA, []);
    expect(await probeFrom(labA, fromA)).toEqual(closedFromA);

    for (const lab of [labA, labB]) await kubeCall(() => netApi.deleteNamespacedNetworkPolicy({ namespace: ns.name, name: lab.handle.networkPolicy }));
    await expectReach(labA, fromA, fromA.map((t) => t.name));
    await expectReach(labB, labTargets(labA), ['lab-a-ssh', 'lab-a-web']);

    for (const lab of [labA, labB]) {
      const policy = makeNetworkPolicy(lab.req, instanceNames(lab.req), ns.name, { gateway: DEFAULT_GATEWAY_PEER });
      await kubeCall(() => netApi.createNamespacedNetworkPolicy({ namespace: ns.name, body: policy }));
    }
    // The enforcer takes a moment to apply a policy to a running pod: wait for it, then check everything.
    await waitFor('lab A cut off again', async () => ((await probeFrom(labA, labTargets(labB)))['lab-b-web'] === 'closed' ? true : undefined), 60_000);
    expect(await probeFrom(labA, fromA)).toEqual(closedFromA);
    expect(await probeFrom(labB, labTargets(labA))).toEqual(expectedReachability(labTargets(labA), []));
  }, 300_000);
});
