/**
 * How many sockets one client may hold open at the gateway before its ticket is accepted. Such a socket
 * costs the gateway memory, a timer and a file descriptor while proving nothing (the ticket comes in the
 * hello, after the upgrade), so an unauthenticated peer could otherwise open thousands at once. Clients
 * are counted by address as `counterAddress` reads it (an IPv6 client by its /64); behind a proxy that
 * address is the proxy's unless TRUST_PROXY names it. An honest browser holds one such socket for a
 * round trip per terminal it opens.
 */
import { counterAddress } from '@autolabs/common/auth/client-address';

/** Default of GATEWAY_MAX_PENDING_PER_CLIENT: a classroom behind one NAT opening its terminals at once. */
export const DEFAULT_MAX_PENDING_PER_CLIENT = 32;

export type Admission =
  /** `release` is idempotent: call it when the ticket is accepted or the socket is gone. */
  | { ok: true; release: () => void }
  /** `first`: the first refusal since this client last had a free slot (worth one log line, not 1000). */
  | { ok: false; first: boolean };

export class PendingLimit {
  private readonly held = new Map<string, number>();
  private readonly refused = new Set<string>();

  constructor(private readonly maxPerClient: number) {}

  admit(ip: string): Admission {
    const client = counterAddress(ip);
    const held = this.held.get(client) ?? 0;
    if (held >= this.maxPerClient) {
      const first = !this.refused.has(client);
      this.refused.add(client);
      return { ok: false, first };
    }
    this.held.set(client, held + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.refused.delete(client);
      const left = (this.held.get(client) ?? 1) - 1;
      if (left > 0) this.held.set(client, left);
      else this.held.delete(client);
    };
    return { ok: true, release };
  }

  /** Slots the client at `ip` holds now. */
  heldBy(ip: string): number {
    return this.held.get(counterAddress(ip)) ?? 0;
  }
}
