import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import { LoginThrottle, type ThrottleLimits } from './login-throttle';

const limits: ThrottleLimits = {
  freePerPair: 3,
  accountUnderAttack: 6,
  freePerPairUnderAttack: 1,
  firstWaitMs: 1000,
  maxWaitMs: 8000,
  perAddress: 10,
  pairWindowMs: 120_000,
  windowMs: 60_000,
};
const throttle = () => new LoginThrottle(new MemorySessionStore(), limits);

async function fail(t: LoginThrottle, username: string, ip: string, times: number, at: number): Promise<void> {
  for (let i = 0; i < times; i++) await t.recordFailure(username, ip, at);
}

describe('login throttle', () => {
  it('lets a pair make its free failures, then makes it wait 1 s, 2 s, 4 s ... from its latest failure, up to the cap', async () => {
    const t = throttle();
    await fail(t, 'ada', '10.0.0.1', 2, 1000);
    expect(await t.check('ada', '10.0.0.1', 1000)).toBeNull();
    let at = 1000;
    for (const wait of [1000, 2000, 4000, 8000, 8000]) {
      await t.recordFailure('ada', '10.0.0.1', at);
      expect(await t.check('ada', '10.0.0.1', at)).toEqual({ retryAfterMs: wait, limit: 'account-client' });
      expect(await t.check('ada', '10.0.0.1', at + wait - 1)).toEqual({ retryAfterMs: 1, limit: 'account-client' });
      at += wait;
      expect(await t.check('ada', '10.0.0.1', at)).toBeNull();
    }
  });

  it("one client's failures never make the same account wait on another client", async () => {
    const t = throttle();
    await fail(t, 'ada', '198.51.100.7', 5, 1000);
    expect(await t.check('ada', '198.51.100.7', 1001)).not.toBeNull();
    expect(await t.check('ada', '203.0.113.20', 1001)).toBeNull();
    expect(await t.check('bob', '198.51.100.7', 1001)).toBeNull();
  });

  it('counts a username whatever its letter case, as sign-in looks it up', async () => {
    const t = throttle();
    for (const name of ['ada', 'Ada', 'ADA']) await t.recordFailure(name, '10.0.0.1', 1000);
    expect(await t.check('aDa', '10.0.0.1', 1001)).toMatchObject({ limit: 'account-client' });
  });

  it('counts the addresses of one IPv6 /64 as one client', async () => {
    const t = throttle();
    for (let i = 1; i <= 3; i++) await t.recordFailure('ada', `2001:db8:1:2::${i}`, 1000);
    expect(await t.check('ada', '2001:db8:1:2::99', 1001)).toMatchObject({ limit: 'account-client' });
    expect(await t.check('ada', '2001:db8:1:3::1', 1001)).toBeNull();
  });

  it('an account failing from many clients gives each client one free failure, and never holds back a client that has not failed', async () => {
    const t = throttle();
    for (let i = 0; i < 6; i++) await t.recordFailure('ada', `198.51.100.${i}`, 1000);
    expect(await t.check('ada', '198.51.100.0', 1001)).toEqual({ retryAfterMs: 999, limit: 'account-client' });
    expect(await t.check('ada', '198.51.100.0', 2000)).toBeNull();
    expect(await t.check('ada', '203.0.113.20', 1001)).toBeNull();
    expect(await t.check('bob', '198.51.100.0', 1001)).toBeNull();
  });

  it('refuses an address that fails for many usernames until its oldest failure leaves the window', async () => {
    const t = throttle();
    for (let i = 0; i < 10; i++) await t.recordFailure(`user${i}`, '10.0.0.9', 1000 + i);
    expect(await t.check('someone-new', '10.0.0.9', 2000)).toEqual({ retryAfterMs: 1000 + 60_000 - 2000, limit: 'address' });
    expect(await t.check('someone-new', '10.0.0.9', 61_000)).toBeNull();
    expect(await t.check('someone-new', '10.0.0.8', 2000)).toBeNull();
  });

  it('a pair remembers its failures for its own, longer window, but waits only from its latest failure', async () => {
    const t = throttle();
    await fail(t, 'ada', '10.0.0.1', 4, 1000);
    expect(await t.check('ada', '10.0.0.1', 1001)).not.toBeNull();
    expect(await t.check('ada', '10.0.0.1', 90_000)).toBeNull();
    // Still four failures in the pair's window: the next one waits 4 s, not 1 s.
    await t.recordFailure('ada', '10.0.0.1', 90_000);
    expect(await t.check('ada', '10.0.0.1', 90_000)).toEqual({ retryAfterMs: 4000, limit: 'account-client' });
    // Once the window has passed, the pair starts afresh.
    await t.recordFailure('ada', '10.0.0.1', 300_000);
    expect(await t.check('ada', '10.0.0.1', 300_000)).toBeNull();
  });

  it("the right password clears its pair, not the account's count", async () => {
    const t = throttle();
    await fail(t, 'ada', '10.0.0.1', 3, 1000);
    await fail(t, 'ada', '10.0.0.2', 3, 1000);
    await t.recordSuccess('ada', '10.0.0.1');
    expect(await t.check('ada', '10.0.0.1', 1001)).toBeNull();
    expect(await t.check('ada', '10.0.0.2', 1001)).not.toBeNull();
    await t.recordFailure('ada', '10.0.0.1', 1002);
    // Six failures on the account are still counted: one free failure per client while under attack.
    expect(await t.check('ada', '10.0.0.1', 1003)).toMatchObject({ limit: 'account-client' });
  });

  it('two throttles on one store share their counts, as API replicas on one Redis do', async () => {
    const store = new MemorySessionStore();
    const [a, b] = [new LoginThrottle(store, limits), new LoginThrottle(store, limits)];
    await a.recordFailure('ada', '10.0.0.1', 1000);
    await b.recordFailure('ada', '10.0.0.1', 1001);
    await a.recordFailure('ada', '10.0.0.1', 1002);
    expect(await b.check('ada', '10.0.0.1', 1003)).toMatchObject({ limit: 'account-client' });
  });

  it('refuses limits the store could never count up to', () => {
    expect(() => new LoginThrottle(new MemorySessionStore(), { ...limits, perAddress: 5000 })).toThrow(/throttle limits above/);
  });
});
