import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../infra/session-store/memory-session-store';
import { LoginThrottle } from './login-throttle';

const limits = { perUsername: 3, perAddress: 5, windowMs: 60_000 };
const throttle = () => new LoginThrottle(new MemorySessionStore(), limits);

describe('login throttle', () => {
  it('refuses a username after its failure limit until the oldest failure leaves the window', async () => {
    const t = throttle();
    for (let i = 0; i < 3; i++) await t.recordFailure('ada', '10.0.0.1', 1000 + i);
    expect(await t.retryAfterMs('ada', '10.0.0.2', 2000)).toBe(1000 + 60_000 - 2000);
    expect(await t.retryAfterMs('ada', '10.0.0.2', 61_001)).toBe(0);
    expect(await t.retryAfterMs('bob', '10.0.0.2', 2000)).toBe(0);
  });

  it('counts a username whatever its letter case, as sign-in looks it up', async () => {
    const t = throttle();
    for (const name of ['ada', 'Ada', 'ADA']) await t.recordFailure(name, '10.0.0.1', 1000);
    expect(await t.retryAfterMs('aDa', '10.0.0.2', 1001)).toBeGreaterThan(0);
  });

  it('refuses an address that tries many usernames', async () => {
    const t = throttle();
    for (let i = 0; i < 5; i++) await t.recordFailure(`user${i}`, '10.0.0.9', 1000);
    expect(await t.retryAfterMs('someone-new', '10.0.0.9', 1001)).toBeGreaterThan(0);
    expect(await t.retryAfterMs('someone-new', '10.0.0.8', 1001)).toBe(0);
  });

  it('a successful sign-in clears the username count', async () => {
    const t = throttle();
    for (let i = 0; i < 2; i++) await t.recordFailure('ada', '10.0.0.1', 1000);
    await t.recordSuccess('ada');
    await t.recordFailure('ada', '10.0.0.1', 1000);
    expect(await t.retryAfterMs('ada', '10.0.0.3', 1001)).toBe(0);
  });

  it('two throttles on one store share their counts, as API replicas on one Redis do', async () => {
    const store = new MemorySessionStore();
    const [a, b] = [new LoginThrottle(store, limits), new LoginThrottle(store, limits)];
    await a.recordFailure('ada', '10.0.0.1', 1000);
    await b.recordFailure('ada', '10.0.0.2', 1001);
    await a.recordFailure('ada', '10.0.0.3', 1002);
    expect(await b.retryAfterMs('ada', '10.0.0.4', 1003)).toBeGreaterThan(0);
  });
});
