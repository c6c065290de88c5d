/**
 * Slows down password guessing: after too many failed sign-ins for one username (or from one address)
 * within the window, further attempts are refused until the oldest failure ages out, whatever the
 * password. Per process: with several API replicas an attacker gets the limit once per replica, which
 * still turns an online guessing attack from millions of tries into hundreds. The address is the socket's
 * (X-Forwarded-For is client-controlled); behind a proxy all clients share it, so that limit is set high
 * enough that ordinary typos of a whole class never reach it.
 */
export interface ThrottleLimits {
  perUsername: number;
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = { perUsername: 10, perAddress: 200, windowMs: 15 * 60_000 };
const MAX_KEYS = 10_000;

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limits: ThrottleLimits = DEFAULT_LIMITS) {}

  /** Milliseconds until another attempt is allowed; 0 when it is allowed now. */
  retryAfterMs(username: string, address: string, now = Date.now()): number {
    return Math.max(this.wait(`u:${username}`, this.limits.perUsername, now), this.wait(`a:${address}`, this.limits.perAddress, now));
  }

  recordFailure(username: string, address: string, now = Date.now()): void {
    for (const key of [`u:${username}`, `a:${address}`]) {
      const list = this.recent(key, now);
      list.push(now);
      this.failures.delete(key);
      this.failures.set(key, list);
    }
    // Oldest keys first in a Map: drop them when an attacker sprays usernames.
    while (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value as string);
  }

  recordSuccess(username: string): void {
    this.failures.delete(`u:${username}`);
  }

  private wait(key: string, limit: number, now: number): number {
    const list = this.recent(key, now);
    if (list.length < limit) return 0;
    return list[list.length - limit] + this.limits.windowMs - now;
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.limits.windowMs);
  }
}
