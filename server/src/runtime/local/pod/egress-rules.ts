/**
 * What a pod-mode lab may reach outside itself, as an nftables ruleset for the pod's network namespace and
 * the pasta command line that gives the namespace its way out. Pure (tested by exact output), like the
 * Kubernetes NetworkPolicy builder whose semantics it follows (manifests/network-policy.ts): DNS is
 * allowed; `internet: true` allows every public address; each `allowedEgress` entry allows its CIDR (or
 * the addresses its host name resolved to at start), on its TCP ports when it lists some.
 *
 * Unlike a cluster node, pasta's outbound sockets are the AutoLabs host's own, so a packet the lab sends to
 * any address of the host, or to a private range around it, would reach the host's services. Hence, in
 * this order, after loopback and established flows:
 *   - always refused, whatever the lab says: loopback, link-local (169.254.169.254, the cloud metadata
 *     address, is in it), multicast, reserved and unspecified ranges, IPv4-mapped/compatible and NAT64
 *     IPv6 prefixes (a socket given ::ffff:10.0.0.1 talks IPv4 to 10.0.0.1), and every address of the
 *     host's own interfaces;
 *   - allowedEgress entries: may name a private range on purpose (a teacher's lab server on the campus
 *     network), as in Kubernetes, but never the ones above;
 *   - internet: everything else except private ranges (RFC 1918, CGNAT 100.64/10, ULA fc00::/7);
 *   - the rest refused.
 * Refusals are a `reject` (ICMP administratively prohibited: "No route to host" at once, not a timeout)
 * counted in the `refused` chain. The ranges are shared with the Kubernetes NetworkPolicy (../../egress-ranges.ts).
 */
import { NEVER_IPV4, NEVER_IPV6, PRIVATE_IPV4, PRIVATE_IPV6 } from '../../egress-ranges';

/** The address pasta answers DNS on, forwarding to the host's resolver; the pod's resolv.conf names it. */
export const DNS_FORWARDER = '169.254.1.1';
export const EGRESS_TABLE = 'autolabs_egress';

export interface EgressPlan {
  internet: boolean;
  /** allowedEgress, host names replaced by the addresses they resolved to at start (none: allows nothing). */
  allowed: { cidrs: string[]; ports?: number[] }[];
  /** Every address of the host's interfaces (the host's namespace), refused whatever the lab says. */
  hostAddresses: string[];
}

export function egressWanted(network: { internet: boolean; allowedEgress: unknown[] }): boolean {
  return network.internet || network.allowedEgress.length > 0;
}

const isV6 = (address: string) => address.includes(':');
const set = (items: string[]) => `{ ${items.join(', ')} }`;

function destination(cidrs: string[], verdict: string): string[] {
  const v4 = cidrs.filter((c) => !isV6(c));
  const v6 = cidrs.filter(isV6);
  return [...(v4.length ? [`ip daddr ${set(v4)} ${verdict}`] : []), ...(v6.length ? [`ip6 daddr ${set(v6)} ${verdict}`] : [])];
}

export function egressRuleset(plan: EgressPlan): string {
  const hosts = [...new Set(plan.hostAddresses)].sort();
  const rules = [
    'oifname "lo" accept',
    'ct state established,related accept',
    'icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept',
    // Link-local multicast (MLD reports and the like) never leaves the link, where only pasta listens: not an attempt to count.
    'ip6 daddr ff02::/16 drop',
    `ip daddr ${DNS_FORWARDER} meta l4proto { tcp, udp } th dport 53 accept`,
    ...destination([...NEVER_IPV4, ...NEVER_IPV6], 'goto refused'),
    ...destination(hosts, 'goto refused'),
    ...plan.allowed.flatMap((rule) => destination(rule.cidrs, rule.ports?.length ? `tcp dport ${set(rule.ports.map(String))} accept` : 'accept')),
    ...(plan.internet ? [`ip daddr != ${set(PRIVATE_IPV4)} accept`, `ip6 daddr != ${set(PRIVATE_IPV6)} accept`] : []),
    'goto refused',
  ];
  return [
    // Declared, then deleted and written whole: one atomic transaction, the same at every start.
    `table inet ${EGRESS_TABLE}`,
    `delete table inet ${EGRESS_TABLE}`,
    `table inet ${EGRESS_TABLE} {`,
    '  chain refused {',
    '    counter reject with icmpx type admin-prohibited',
    '  }',
    '  chain output {',
    '    type filter hook output priority filter; policy accept;',
    ...rules.map((r) => `    ${r}`),
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * pasta attached to the pod's network, as the instance's uid (which owns the network's user namespace).
 * Its defaults would forward every port the lab binds to the host and back (-t/-u/-T/-U auto) and map the
 * gateway address to the host's loopback: all off.
 */
export function pastaArgv(ns: { nsNet: string; nsNetUser: string }, uid: number): string[] {
  return [
    '/usr/bin/pasta', '--foreground', '--quiet', '--runas', `${uid}:${uid}`,
    '--config-net', '--no-map-gw', '--tcp-ports', 'none', '--udp-ports', 'none', '--tcp-ns', 'none', '--udp-ns', 'none',
    '--dns-forward', DNS_FORWARDER,
    '--userns', ns.nsNetUser, '--netns', ns.nsNet,
  ];
}
