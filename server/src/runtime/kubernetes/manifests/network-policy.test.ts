import { describe, expect, it } from 'vitest';
import { instanceNames } from '../names';
import { startRequest } from '../testing/lab-request';
import { instanceLabels } from './labels';
import { DEFAULT_GATEWAY_PEER, makeNetworkPolicy } from './network-policy';

// What the apiserver accepts as `except` blocks: the IPv4-mapped prefix ::ffff:0:0/96 is refused (see the builder).
const PRIVATE_IPV4 = ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16'];
const NEVER_IPV4 = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4'];
const NEVER_IPV6 = ['::/96', '64:ff9b::/96', 'fe80::/10', 'ff00::/8'];
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

  it('with internet allows every public address but no private, loopback, link-local, multicast or reserved range', () => {
    const req = startRequest({}, { network: { internet: true } });
    const egress = makeNetworkPolicy(req, instanceNames(req), 'labs', { gateway: DEFAULT_GATEWAY_PEER }).spec?.egress;
    expect(egress).toEqual([
      { to: [SELF] },
      DNS,
      {
        to: [
          { ipBlock: { cidr: '0.0.0.0/0', except: [...NEVER_IPV4, ...PRIVATE_IPV4] } },
          { ipBlock: { cidr: '::/0', except: [...NEVER_IPV6, 'fc00::/7'] } },
        ],
      },
    ]);
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

  it('leaves loopback, link-local (169.254.169.254) and the other never-reachable ranges out of every allowedEgress block', () => {
    const req = startRequest(
      {},
      {
        network: {
          allowedEgress: [
            { cidr: '0.0.0.0/0', ports: [80] },
            { cidr: '::/0' },
            { cidr: '169.254.0.0/16' },
            { host: 'metadata.google.internal' },
            { host: 'mixed.example', ports: [443] },
          ],
        },
      },
    );
    const egress = makeNetworkPolicy(req, instanceNames(req), 'labs', {
      gateway: DEFAULT_GATEWAY_PEER,
      resolvedHosts: { 'metadata.google.internal': ['169.254.169.254'], 'mixed.example': ['127.0.0.1', '198.51.100.7'] },
    }).spec?.egress;
    // 169.254.0.0/16 and the host that resolved to the metadata address allow nothing; the loopback address is dropped.
    expect(egress?.slice(2)).toEqual([
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [...NEVER_IPV4, ...PRIVATE_IPV4] } }], ports: [{ protocol: 'TCP', port: 80 }] },
      { to: [{ ipBlock: { cidr: '::/0', except: [...NEVER_IPV6, 'fc00::/7'] } }] },
      { to: [{ ipBlock: { cidr: '198.51.100.7/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
  });

  it('opens a private range only to an entry inside it (named by range, address or host), never to one that merely contains it', () => {
    const allowedEgress = [{ cidr: '10.0.0.0/8' }, { cidr: '172.20.1.7/32', ports: [5432] }, { host: 'campus.example' }, { cidr: '0.0.0.0/4' }, { cidr: 'fd00::/8' }];
    const req = startRequest({}, { network: { allowedEgress } });
    const resolvedHosts = { 'campus.example': ['192.168.4.20'] };
    const egress = makeNetworkPolicy(req, instanceNames(req), 'labs', { gateway: DEFAULT_GATEWAY_PEER, resolvedHosts }).spec?.egress;
    expect(egress?.slice(2)).toEqual([
      { to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] },
      { to: [{ ipBlock: { cidr: '172.20.1.7/32' } }], ports: [{ protocol: 'TCP', port: 5432 }] },
      { to: [{ ipBlock: { cidr: '192.168.4.20/32' } }] },
      { to: [{ ipBlock: { cidr: '0.0.0.0/4', except: ['0.0.0.0/8', '10.0.0.0/8'] } }] },
      { to: [{ ipBlock: { cidr: 'fd00::/8' } }] },
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
