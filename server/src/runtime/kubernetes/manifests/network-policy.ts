/**
 * The NetworkPolicy that isolates one lab instance (seed 4.5.3). It selects only this instance's pod (by
 * the owner label), so two students' labs in one namespace cannot reach each other. Pure.
 *
 * Ingress: from the instance's own pod; from the gateway's pods (by label, any namespace matching
 *   `gateway.namespaceLabels`); and, when a container offers SSH, TCP 22 from anywhere, because students
 *   reach the NodePort from outside the cluster.
 * Egress: to its own pod; DNS (kube-dns, UDP/TCP 53); the public internet when `network.internet` (all
 *   addresses except private, loopback, link-local and shared ranges, so the cluster and the platform's
 *   services stay out of reach); each `allowedEgress` entry. A NetworkPolicy has no host names: `host`
 *   entries become one /32 or /128 block per address the runtime resolved for them at start, and an entry
 *   with no resolved address allows nothing.
 * `network.allow` (traffic between the lab's containers) is not expressed here: the containers share one
 * pod and talk over loopback, which no NetworkPolicy filters.
 */
import type { V1NetworkPolicy, V1NetworkPolicyEgressRule, V1NetworkPolicyPort } from '@kubernetes/client-node';
import type { StartRequest } from '../../lab-runtime';
import type { InstanceNames } from '../names';
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

export const NON_PUBLIC_IPV4 = ['10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'];
export const NON_PUBLIC_IPV6 = ['::1/128', 'fc00::/7', 'fe80::/10'];

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
        ...(req.config.spec.network.internet
          ? [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: NON_PUBLIC_IPV4 } }, { ipBlock: { cidr: '::/0', except: NON_PUBLIC_IPV6 } }] }]
          : []),
        ...allowedEgressRules(req, opts.resolvedHosts ?? {}),
      ],
    },
  };
}

function allowedEgressRules(req: StartRequest, resolvedHosts: Record<string, string[]>): V1NetworkPolicyEgressRule[] {
  return req.config.spec.network.allowedEgress.flatMap((rule) => {
    const cidrs = rule.cidr !== undefined ? [rule.cidr] : (resolvedHosts[rule.host ?? ''] ?? []).map(hostCidr);
    if (cidrs.length === 0) return [];
    const ports: V1NetworkPolicyPort[] | undefined = rule.ports?.map((port) => ({ protocol: 'TCP', port }));
    return [{ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ...(ports === undefined ? {} : { ports }) }];
  });
}

function hostCidr(address: string): string {
  return address.includes(':') ? `${address}/128` : `${address}/32`;
}
