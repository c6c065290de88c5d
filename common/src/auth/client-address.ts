/**
 * Which client the sign-in throttle counts an attempt against. The address comes from `request.ip`:
 * the socket's, or the one a trusted proxy reports (TRUST_PROXY). An IPv6 subscriber is usually given a
 * whole /64, so counting single IPv6 addresses would hand one attacker 2^64 fresh counters: an IPv6 client
 * is counted by its /64. An IPv4 address mapped into IPv6 (`::ffff:192.0.2.1`, what a dual-stack socket
 * reports) is the IPv4 client it carries.
 */
import { isIPv6 } from 'node:net';

export function counterAddress(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1];
  if (!isIPv6(ip)) return ip;
  return `${hextets(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, without leading zeros ("2001:db8::1" -> 2001 db8 0 0 0 0 0 1). */
function hextets(ip: string): string[] {
  let s = ip.split('%')[0].toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    s = `${s.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.split('::');
  const front = head ? head.split(':') : [];
  const back = tail ? tail.split(':') : [];
  const zeros = s.includes('::') ? Array<string>(8 - front.length - back.length).fill('0') : [];
  return [...front, ...zeros, ...back].map((group) => parseInt(group, 16).toString(16));
}
