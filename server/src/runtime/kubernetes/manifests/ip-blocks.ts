/**
 * NetworkPolicy `ipBlock`s that leave out ranges a lab may not reach through them. An ipBlock's `except`
 * must be a strict subset of its `cidr` (the apiserver refuses anything else), so a left-out range that
 * holds the whole block drops the block, one inside it goes to `except`, and a disjoint one is ignored.
 * Pure CIDR arithmetic on bigints; IPv4 and IPv6.
 */
import type { V1IPBlock } from '@kubernetes/client-node';

interface Cidr {
  v6: boolean;
  /** The network address (host bits cleared). */
  base: bigint;
  prefix: number;
}

const bitsOf = (c: Cidr) => (c.v6 ? 128 : 32);

function parseIpv4(address: string): bigint {
  return address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function parseIpv6(address: string): bigint {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseIpv4(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const all = tail === undefined ? groups(head) : [...groups(head), ...Array<string>(8 - groups(head).length - groups(tail).length).fill('0'), ...groups(tail)];
  return all.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

export function parseCidr(cidr: string): Cidr {
  const [address, length] = cidr.split('/');
  const v6 = address.includes(':');
  const bits = v6 ? 128 : 32;
  const prefix = length === undefined ? bits : Number(length);
  const hostBits = BigInt(bits - prefix);
  const value = v6 ? parseIpv6(address) : parseIpv4(address);
  return { v6, base: (value >> hostBits) << hostBits, prefix };
}

/** Whether `inner` lies within `outer` (equal counts). */
function within(inner: Cidr, outer: Cidr): boolean {
  if (inner.v6 !== outer.v6 || inner.prefix < outer.prefix) return false;
  const hostBits = BigInt(bitsOf(outer) - outer.prefix);
  return inner.base >> hostBits === outer.base >> hostBits;
}

/**
 * `cidr` as an ipBlock without the `leftOut` ranges, and without the `unlessInside` ranges unless the block
 * lies inside one of them (it names that range or a part of it): null when a left-out range holds all of
 * it, else the block with every such range inside it as `except`, left-out ones first (none: no `except`).
 */
export function ipBlockWithout(cidr: string, leftOut: string[], unlessInside: string[] = []): V1IPBlock | null {
  const block = parseCidr(cidr);
  const parse = (list: string[]) => [...new Set(list)].map((text) => ({ text, range: parseCidr(text) }));
  const never = parse(leftOut);
  if (never.some(({ range }) => within(block, range))) return null;
  const except = [...never, ...parse(unlessInside)].filter(({ range }) => within(range, block) && range.prefix > block.prefix).map(({ text }) => text);
  return except.length === 0 ? { cidr } : { cidr, except: [...new Set(except)] };
}
