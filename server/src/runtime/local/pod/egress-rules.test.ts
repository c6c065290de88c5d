import { describe, expect, it } from 'vitest';
import { DNS_FORWARDER, egressRuleset, egressWanted, pastaArgv } from './egress-rules';

const HEAD = [
  'table inet autolabs_egress',
  'delete table inet autolabs_egress',
  'table inet autolabs_egress {',
  '  chain refused {',
  '    counter reject with icmpx type admin-prohibited',
  '  }',
  '  chain output {',
  '    type filter hook output priority filter; policy accept;',
  '    oifname "lo" accept',
  '    ct state established,related accept',
  '    icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept',
  '    ip6 daddr ff02::/16 drop',
  `    ip daddr ${DNS_FORWARDER} meta l4proto { tcp, udp } th dport 53 accept`,
  '    ip daddr { 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 224.0.0.0/4, 240.0.0.0/4 } goto refused',
  '    ip6 daddr { ::/96, ::ffff:0:0/96, 64:ff9b::/96, fe80::/10, ff00::/8 } goto refused',
  '    ip daddr { 10.1.2.3, 192.0.2.2 } goto refused',
  '    ip6 daddr { fd00::2 } goto refused',
];
const TAIL = ['    goto refused', '  }', '}', ''];
const hostAddresses = ['192.0.2.2', 'fd00::2', '10.1.2.3', '192.0.2.2'];

describe('egressRuleset', () => {
  it('internet: refuses the host and the never-reachable ranges, then allows every address but the private ones', () => {
    expect(egressRuleset({ internet: true, allowed: [], hostAddresses }).split('\n')).toEqual([
      ...HEAD,
      '    ip daddr != { 10.0.0.0/8, 100.64.0.0/10, 172.16.0.0/12, 192.168.0.0/16 } accept',
      '    ip6 daddr != { fc00::/7 } accept',
      ...TAIL,
    ]);
  });

  it('allowedEgress: each entry on its TCP ports, a private range only when named, after the refusals', () => {
    const allowed = [{ cidrs: ['203.0.113.10/32'], ports: [80, 443] }, { cidrs: ['10.20.0.0/16', '2001:db8::1/128'] }];
    expect(egressRuleset({ internet: false, allowed, hostAddresses }).split('\n')).toEqual([
      ...HEAD,
      '    ip daddr { 203.0.113.10/32 } tcp dport { 80, 443 } accept',
      '    ip daddr { 10.20.0.0/16 } accept',
      '    ip6 daddr { 2001:db8::1/128 } accept',
      ...TAIL,
    ]);
  });

  it('wants egress for internet or any allowedEgress entry only', () => {
    expect([egressWanted({ internet: false, allowedEgress: [] }), egressWanted({ internet: true, allowedEgress: [] }), egressWanted({ internet: false, allowedEgress: [{}] })]).toEqual([false, true, true]);
  });
});

describe('pastaArgv', () => {
  it('runs pasta as the instance uid in the pod network, with no port forwarded either way and no gateway mapped to the host', () => {
    expect(pastaArgv({ nsNet: '/run/autolabs/i/ns/net', nsNetUser: '/run/autolabs/i/ns/netuser' }, 1_000_000_007)).toEqual([
      '/usr/bin/pasta', '--foreground', '--quiet', '--runas', '1000000007:1000000007',
      '--config-net', '--no-map-gw', '--tcp-ports', 'none', '--udp-ports', 'none', '--tcp-ns', 'none', '--udp-ns', 'none',
      '--dns-forward', '169.254.1.1',
      '--userns', '/run/autolabs/i/ns/netuser', '--netns', '/run/autolabs/i/ns/net',
    ]);
  });
});
