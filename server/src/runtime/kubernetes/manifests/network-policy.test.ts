import { describe, expect, it } from 'vitest';
import { instanceNames } from '../names';
import { startRequest } from '../testing/lab-request';
import { instanceLabels } from './labels';
import { DEFAULT_GATEWAY_PEER, makeNetworkPolicy, NON_PUBLIC_IPV4, NON_PUBLIC_IPV6 } from './network-policy';

const SELF = { podSelector: { matchLabels: { app: 'lab', 'autolabs.io/instance': '0b6f1e0c-8a7e-4c61-9b0e-2f6d1a0c9e11' } } };
const GATEWAY = { namespaceSelector: { matchLabels: {} }, podSelector: { matchLabels: DEFAULT_GATEWAY_PEER.podLabels } };
const DNS = {
  to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ],
};

describe('makeNetworkPolicy', () => {
  it('isolates an offline lab: ingress from itself and the gateway, egress to itself and DNS only', () => {
    const req = startRequest();
    const names = instanceNames(req);
    expect(makeNetworkPolicy(req, names, 'labs', { gateway: DEFAULT_GATEWAY_PEER })).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: names.networkPolicy, namespace: 'labs', labels: instanceLabels(req) },
      spec: {
        podSelector: SELF.podSelector,
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ _from: [SELF, GATEWAY] }],
        egress: [{ to: [SELF] }, DNS],
      },
    });
  });

  it('with internet allows every public address but no private, loopback or link-local range', () => {
    const req = startRequest({}, { network: { internet: true } });
    const egress = makeNetworkPolicy(req, instanceNames(req), 'labs', { gateway: DEFAULT_GATEWAY_PEER }).spec?.egress;
    expect(egress).toEqual([
      { to: [SELF] },
      DNS,
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: NON_PUBLIC_IPV4 } }, { ipBlock: { cidr: '::/0', except: NON_PUBLIC_IPV6 } }] },
    ]);
    expect(NON_PUBLIC_IPV4).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']));
  });

  it('adds allowedEgress cidrs with their ports, and hosts as one block per resolved address; an unresolved host allows nothing', () => {
    const req = startRequest(
      {},
      {
        network: {
          allowedEgress: [{ cidr: '203.0.113.0/24', ports: [443] }, { host: 'deb.debian.org', ports: [80, 443] }, { host: 'nowhere.invalid' }],
        },
      },
    );
    const egress = makeNetworkPolicy(req, instanceNames(req), 'labs', {
      gateway: DEFAULT_GATEWAY_PEER,
      resolvedHosts: { 'deb.debian.org': ['151.101.2.132', '2a04:4e42::644'] },
    }).spec?.egress;
    expect(egress?.slice(2)).toEqual([
      { to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ protocol: 'TCP', port: 443 }] },
      {
        to: [{ ipBlock: { cidr: '151.101.2.132/32' } }, { ipBlock: { cidr: '2a04:4e42::644/128' } }],
        ports: [
          { protocol: 'TCP', port: 80 },
          { protocol: 'TCP', port: 443 },
        ],
      },
    ]);
  });

  it('with an ssh container also admits TCP 22 from anywhere (the NodePort is reached from outside)', () => {
    const req = startRequest({}, { containers: [{ name: 'shell', image: 'img', terminal: true, ssh: true }] });
    const gateway = { namespaceLabels: { 'kubernetes.io/metadata.name': 'autolabs' }, podLabels: { 'app.kubernetes.io/component': 'gateway' } };
    expect(makeNetworkPolicy(req, instanceNames(req), 'labs', { gateway }).spec?.ingress).toEqual([
      { _from: [SELF, { namespaceSelector: { matchLabels: gateway.namespaceLabels }, podSelector: { matchLabels: gateway.podLabels } }] },
      { _from: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: [{ protocol: 'TCP', port: 22 }] },
    ]);
  });
});
