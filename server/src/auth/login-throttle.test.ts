import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle';

const limits = { perUsername: 3, perAddress: 5, windowMs: 60_000 };

describe('login throttle', () => {
  it('refuses a username after its failure limit until the oldest failure leaves the window', () => {
    const t = new LoginThrottle(limits);
    for (let i = 0; i < 3; i++) t.recordFailure('ada', '10.0.0.1', 1000 + i);
    expect(t.retryAfterMs('ada', '10.0.0.2', 2000)).toBe(1000 + 60_000 - 2000);
    expect(t.retryAfterMs('ada', '10.0.0.2', 61_001)).toBe(0);
    expect(t.retryAfterMs('bob', '10.0.0.2', 2000)).toBe(0);
  });

  it('refuses an address that tries many usernames', () => {
    const t = new LoginThrottle(limits);
    for (let i = 0; i < 5; i++) t.recordFailure(`user${i}`, '10.0.0.9', 1000);
    expect(t.retryAfterMs('someone-new', '10.0.0.9', 1001)).toBeGreaterThan(0);
    expect(t.retryAfterMs('someone-new', '10.0.0.8', 1001)).toBe(0);
  });

  it('a successful sign-in clears the username count', () => {
    const t = new LoginThrottle(limits);
    for (let i = 0; i < 2; i++) t.recordFailure('ada', '10.0.0.1', 1000);
    t.recordSuccess('ada');
    t.recordFailure('ada', '10.0.0.1', 1000);
    expect(t.retryAfterMs('ada', '10.0.0.3', 1001)).toBe(0);
  });
});
