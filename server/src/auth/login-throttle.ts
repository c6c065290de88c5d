/**
 * Slows down password guessing without handing an attacker a way to lock the real user out.
 *
 * - Per account and client (the username with the client address, see client-address.ts): after a few
 *   free failures that pair must wait before its next attempt, 1 s, then 2 s, 4 s ... up to a cap, counted
 *   from its latest failure. Nobody else's failures make a pair wait, so an attacker hammering "ada" from
 *   one address never stops Ada signing in from another, and the right password clears the pair.
 * - Per account, from everywhere: when an account collects many failures within the window (guessing
 *   spread over many addresses), every pair for it gets only one free failure before its waits start.
 *   This only slows clients down: a client that has not failed for the account is always let through.
 * - Per address: a much higher ceiling on failures from one client, for any usernames (one address
 *   spraying many accounts), which refuses that client until its oldest failure leaves the window.
 *
 * The counts live in the session store (Redis in production), so every API replica counts the same
 * failures: adding replicas does not multiply an attacker's tries. If the store is unreachable the calls
 * fail (SERVICE_UNAVAILABLE) and sign-in is refused rather than left unthrottled. A check and the failure
 * it precedes are two store calls, so a burst of simultaneous attempts can overshoot a limit by its size;
 * the next wait grows with every failure recorded, burst included.
 */
import { MAX_HITS_PER_KEY, type SessionStore } from '@autolabs/common/session-store/session-store';
import { counterAddress } from '@autolabs/common/auth/client-address';

export interface ThrottleLimits {
  /** Failures one username + client pair may make before it has to wait. */
  freePerPair: number;
  /** Failures on one account, from any client, that make it "under attack". */
  accountUnderAttack: number;
  /** Free failures per pair while its account is under attack. */
  freePerPairUnderAttack: number;
  /** First wait of a pair that used its free failures; each further failure doubles it. */
  firstWaitMs: number;
  maxWaitMs: number;
  /** Failures from one client, whatever the usernames, after which that client is refused. */
  perAddress: number;
  /**
   * How long a failure counts for its pair. Waits run from the latest failure, so a long memory costs a
   * returning user little, while an attacker trying at the capped pace cannot fall back to free failures.
   */
  pairWindowMs: number;
  /** How long a failure counts for its account and its address. */
  windowMs: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = {
  freePerPair: 5,
  accountUnderAttack: 20,
  freePerPairUnderAttack: 1,
  firstWaitMs: 1000,
  maxWaitMs: 5 * 60_000,
  perAddress: 200,
  pairWindowMs: 60 * 60_000,
  windowMs: 15 * 60_000,
};

/** Why an attempt has to wait: its own failures for the account, or its client's failures overall. */
export type ThrottleLimit = 'account-client' | 'address';

export interface Throttled {
  retryAfterMs: number;
  limit: ThrottleLimit;
}

export class LoginThrottle {
  constructor(
    private readonly store: SessionStore,
    private readonly limits: ThrottleLimits = DEFAULT_LIMITS,
  ) {
    // The store keeps only the newest MAX_HITS_PER_KEY hits; a higher limit could never be reached.
    if (Math.max(limits.accountUnderAttack, limits.perAddress) > MAX_HITS_PER_KEY) throw new Error(`throttle limits above ${MAX_HITS_PER_KEY}`);
  }

  /** Whether an attempt for `username` from `ip` has to wait, and how long; null when it may go ahead. */
  async check(username: string, ip: string, now = Date.now()): Promise<Throttled | null> {
    const address = counterAddress(ip);
    const { windowMs, pairWindowMs } = this.limits;
    const [pair, account, client] = await Promise.all([
      this.store.recentHits(pairKey(username, address), pairWindowMs, now),
      this.store.recentHits(accountKey(username), windowMs, now),
      this.store.recentHits(addressKey(address), windowMs, now),
    ]);
    const byAddress = client.length >= this.limits.perAddress ? client[client.length - this.limits.perAddress] + windowMs - now : 0;
    if (byAddress > 0) return { retryAfterMs: byAddress, limit: 'address' };
    const free = account.length >= this.limits.accountUnderAttack ? this.limits.freePerPairUnderAttack : this.limits.freePerPair;
    const byPair = pair.length >= free ? pair[pair.length - 1] + this.backoffMs(pair.length - free) - now : 0;
    return byPair > 0 ? { retryAfterMs: byPair, limit: 'account-client' } : null;
  }

  async recordFailure(username: string, ip: string, now = Date.now()): Promise<void> {
    const address = counterAddress(ip);
    const { windowMs, pairWindowMs } = this.limits;
    await Promise.all([
      this.store.recordHit(pairKey(username, address), pairWindowMs, now),
      this.store.recordHit(accountKey(username), windowMs, now),
      this.store.recordHit(addressKey(address), windowMs, now),
    ]);
  }

  /**
   * The right password clears its pair only. The account's count stays until it ages out: forgetting it
   * would give every attacking address its free failures back whenever the real user signs in.
   */
  async recordSuccess(username: string, ip: string): Promise<void> {
    await this.store.clearHits(pairKey(username, counterAddress(ip)));
  }

  /** Wait after `extra` failures beyond the free ones: first, doubled per failure, capped. */
  private backoffMs(extra: number): number {
    return Math.min(this.limits.maxWaitMs, this.limits.firstWaitMs * 2 ** Math.min(extra, 40));
  }
}

// Usernames are looked up case-insensitively, so they are counted that way too: "Ada" and "ADA" are one
// target. The address goes first in the pair key: it never holds a space, so no username can forge a key.
const pairKey = (username: string, address: string) => `login:p:${address} ${username.toLowerCase()}`;
const accountKey = (username: string) => `login:u:${username.toLowerCase()}`;
const addressKey = (address: string) => `login:a:${address}`;
