/**
 * Slows down password guessing: after too many failed sign-ins for one username (or from one address)
 * within the window, further attempts are refused until the oldest failure ages out, whatever the
 * password. The failures live in the session store (Redis in production), so every API replica counts
 * the same ones: adding replicas does not multiply an attacker's tries. If the store is unreachable the
 * calls fail (SERVICE_UNAVAILABLE) and sign-in is refused rather than left unthrottled.
 * The address is the socket's (X-Forwarded-For is client-controlled); behind a proxy all clients share it,
 * so that limit is set high enough that ordinary typos of a whole class never reach it.
 */
import { MAX_HITS_PER_KEY, type SessionStore } from '../infra/session-store/session-store';

export interface ThrottleLimits {
  perUsername: number;
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = { perUsername: 10, perAddress: 200, windowMs: 15 * 60_000 };

export class LoginThrottle {
  constructor(
    private readonly store: SessionStore,
    private readonly limits: ThrottleLimits = DEFAULT_LIMITS,
  ) {
    // The store keeps only the newest MAX_HITS_PER_KEY hits; a higher limit could never be reached.
    if (Math.max(limits.perUsername, limits.perAddress) > MAX_HITS_PER_KEY) throw new Error(`throttle limits above ${MAX_HITS_PER_KEY}`);
  }

  /** Milliseconds until another attempt is allowed; 0 when it is allowed now. */
  async retryAfterMs(username: string, address: string, now = Date.now()): Promise<number> {
    const [byUser, byAddress] = await Promise.all([
      this.wait(usernameKey(username), this.limits.perUsername, now),
      this.wait(addressKey(address), this.limits.perAddress, now),
    ]);
    return Math.max(byUser, byAddress);
  }

  async recordFailure(username: string, address: string, now = Date.now()): Promise<void> {
    await Promise.all([usernameKey(username), addressKey(address)].map((key) => this.store.recordHit(key, this.limits.windowMs, now)));
  }

  async recordSuccess(username: string): Promise<void> {
    await this.store.clearHits(usernameKey(username));
  }

  private async wait(key: string, limit: number, now: number): Promise<number> {
    const hits = await this.store.recentHits(key, this.limits.windowMs, now);
    if (hits.length < limit) return 0;
    return hits[hits.length - limit] + this.limits.windowMs - now;
  }
}

// Usernames are looked up case-insensitively, so they are counted that way too: "Ada" and "ADA" are one target.
const usernameKey = (username: string) => `login:u:${username.toLowerCase()}`;
const addressKey = (address: string) => `login:a:${address}`;
