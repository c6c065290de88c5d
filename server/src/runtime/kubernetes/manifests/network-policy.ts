/**
 * The NetworkPolicy that isolates one lab instance (seed 4.5.3). It selects only this instance's pod (by
 * the owner label), so two students' labs in one namespace cannot reach each other. Pure.
 *
 * Ingress: from the instance's own pod; from the gateway's pods (by label, any namespace matching
 *   `gateway.namespaceLabels`); and, when a container offers SSH, TCP 22 from anywhere, because students
 *   reach the NodePort from outside the cluster.
 * Egress: to its own pod; DNS (kube-dns, UDP/TCP 53); the public internet when `network.internet`; each
 *   `allowedEgress` entry. A NetworkPolicy has no host names: `host` entries become one /32 or /128 block
 *   per address the runtime resolved for them at start, and an entry with no resolved address allows
 *   nothing. Every egress block leaves out (ipBlock `except`, or the block is dropped when it lies inside):
 *   - the NEVER ranges of ../../egress-ranges.ts (loopback, link-local with the metadata address
 *     169.254.169.254, multicast, reserved), always, as the local runtime refuses them;
 *   - the PRIVATE ranges (RFC 1918, CGNAT, ULA), where the cluster, its nodes and the platform live, unless
 *     the entry lies inside one: a teacher opens a campus server by naming its range, its address or a
 *     host that resolves to it, but `internet: true` and an entry such as `0.0.0.0/0` reach public
 *     addresses only. (Measured on the test cluster's real node: `allowedEgress: [{ cidr: 0.0.0.0/0 }]`
 *     reached another lab's sshd, the API and gateway pods, the apiserver, the kubelet and the host's
 *     services before this; see test/cluster/real-node-isolation.test.ts.)
 * `network.allow` (traffic between the lab's containers) is not expressed here: the containers share one
 * pod and talk over loopback, which no NetworkPolicy filters.
 */
import type { V1IPBlock, V1NetworkPolicy, V1NetworkPolicyEgressRule, V1NetworkPolicyPort } from '@kubernetes/client-node';
import { NEVER_IPV4, NEVER_IPV6, PRIVATE_IPV4, PRIVATE_IPV6 } from '../../egress-ranges';
import type { StartRequest } from '../../lab-runtime';
import type { InstanceNames } from '../names';
import { ipBlockWithout } from './ip-blocks';
import { instanceLabels, instanceSelector } from './labels';
import { SSH_PORT } from './pod';

export interface GatewayPeer {
  /** Labels of the namespace the gateway runs in; {} means any namespace. */
  namespaceLabels: Record<string, string>;
  podLabels: Record<string, string>;
}

export const DEFAULT_GATEWAY_PEER: GatewayPeer = {
  namespaceLabels: {},
  podLabels: { 'app.kubernetes.io/name': 'autolabs', 'app.kubernetes.io/component': 'gateway' },
};

/**
 * Not left out: the IPv4-mapped prefix. The apiserver refuses `::ffff:0:0/96` as an `except` of `::/0` (Go
 * reads such addresses as IPv4, so it is "not a strict subset"), and it is not needed: a socket given
 * ::ffff:a.b.c.d sends IPv4 packets, which the IPv4 blocks judge.
 */
const IPV4_MAPPED = '::ffff:0:0/96';
/** Left out of every egress block. */
export const NEVER_REACHABLE = [...NEVER_IPV4, ...NEVER_IPV6.filter((cidr) => cidr !== IPV4_MAPPED)];
/** Left out of every egress block that is not inside one of them. */
export const PRIVATE_RANGES = [...PRIVATE_IPV4, ...PRIVATE_IPV6];

export interface NetworkPolicyOptions {
  gateway: GatewayPeer;
  /** Addresses resolved for `allowedEgress[].host`, by host name. */
  resolvedHosts?: Record<string, string[]>;
}

export function makeNetworkPolicy(req: StartRequest, names: InstanceNames, namespace: string, opts: NetworkPolicyOptions): V1NetworkPolicy {
  const self = { podSelector: { matchLabels: instanceSelector(req.instanceId) } };
  const gateway = { namespaceSelector: { matchLabels: opts.gateway.namespaceLabels }, podSelector: { matchLabels: opts.gateway.podLabels } };
  const ssh = req.config.spec.containers.some((c) => c.ssh);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: names.networkPolicy, namespace, labels: instanceLabels(req) },
    spec: {
      podSelector: { matchLabels: instanceSelector(req.instanceId) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { _from: [self, gateway] },
        ...(ssh ? [{ _from: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: [{ protocol: 'TCP', port: SSH_PORT }] }] : []),
      ],
      egress: [
        { to: [self] },
        {
          to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
        ...(req.config.spec.network.internet ? [{ to: peers(['0.0.0.0/0', '::/0']) }] : []),
        ...allowedEgressRules(req, opts.resolvedHosts ?? {}),
      ],
    },
  };
}

function allowedEgressRules(req: StartRequest, resolvedHosts: Record<string, string[]>): V1NetworkPolicyEgressRule[] {
  return req.config.spec.network.allowedEgress.flatMap((rule) => {
    const cidrs = rule.cidr !== undefined ? [rule.cidr] : (resolvedHosts[rule.host ?? ''] ?? []).map(hostCidr);
    const to = peers(cidrs);
    if (to.length === 0) return [];
    const ports: V1NetworkPolicyPort[] | undefined = rule.ports?.map((port) => ({ protocol: 'TCP', port }));
    return [{ to, ...(ports === undefined ? {} : { ports }) }];
  });
}

/** One ipBlock peer per cidr, without what no lab reaches (see the head of this file). */
function peers(cidrs: string[]): { ipBlock: V1IPBlock }[] {
  return cidrs.flatMap((cidr) => {
    const ipBlock = ipBlockWithout(cidr, NEVER_REACHABLE, PRIVATE_RANGES);
    return ipBlock === null ? [] : [{ ipBlock }];
  });
}

function hostCidr(address: string): string {
  return address.includes(':') ? `${address}/128` : `${address}/32`;
}
