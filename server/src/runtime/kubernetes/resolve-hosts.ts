/**
 * Addresses for the `allowedEgress[].host` entries of a lab, looked up when the instance starts, because a
 * NetworkPolicy only knows IP blocks. Best effort with a deadline: a host that does not resolve in time
 * allows nothing, and the caller reports it as a progress event instead of failing the start.
 */
import { promises as dns } from 'node:dns';

export type HostResolver = (host: string) => Promise<string[]>;

export const LOOKUP_TIMEOUT_MS = 3_000;

export const lookupAll: HostResolver = async (host) => {
  const lookup = dns.lookup(host, { all: true }).then((records) => records.map((r) => r.address));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), LOOKUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([lookup.catch(() => []), timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/** Resolves every distinct host; the result maps host -> addresses (possibly none). */
export async function resolveHosts(hosts: string[], resolve: HostResolver): Promise<Record<string, string[]>> {
  const distinct = [...new Set(hosts)];
  const addresses = await Promise.all(distinct.map((h) => resolve(h)));
  return Object.fromEntries(distinct.map((h, i) => [h, [...new Set(addresses[i])].sort()]));
}
