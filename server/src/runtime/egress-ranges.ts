/**
 * Address ranges both runtimes treat the same way when a lab sends traffic out (local pod mode's nftables
 * table, local/pod/egress-rules.ts, and the Kubernetes NetworkPolicy, kubernetes/manifests/network-policy.ts):
 * - NEVER: loopback, link-local (169.254.169.254, the cloud metadata address, is in it), multicast, reserved
 *   and unspecified ranges, IPv4-mapped/compatible and NAT64 IPv6 prefixes. No lab reaches them, not even
 *   through an `allowedEgress` entry that covers them (a teacher's `0.0.0.0/0`);
 * - PRIVATE: RFC 1918, CGNAT and ULA ranges. Not part of `internet: true`; an `allowedEgress` entry may open
 *   them on purpose (a teacher's lab server on the campus network). On Kubernetes, where the cluster and the
 *   platform live in them, only an entry inside one opens it (`10.0.0.0/8`, a /32, a host resolving there),
 *   not one that merely contains it (`0.0.0.0/0`); the local runtime refuses the host's own addresses instead.
 */
export const NEVER_IPV4 = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4'];
export const NEVER_IPV6 = ['::/96', '::ffff:0:0/96', '64:ff9b::/96', 'fe80::/10', 'ff00::/8'];
export const PRIVATE_IPV4 = ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16'];
export const PRIVATE_IPV6 = ['fc00::/7'];
