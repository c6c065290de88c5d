import { describe, expect, it, vi } from 'vitest';
import { CookieSealer } from './sealed-cookie';

const SECRET = 'a-shared-internal-secret-of-32-characters';

describe('sealed OIDC cookies', () => {
  it('opens what it sealed, also on another replica with the same secret', async () => {
    const sealed = await new CookieSealer(SECRET).seal('oidc-flow', { state: 's1', nonce: 'n1' }, 600);
    expect(sealed).not.toContain('s1');
    const opened = await new CookieSealer(SECRET).open('oidc-flow', sealed);
    expect(opened).toMatchObject({ state: 's1', nonce: 'n1' });
  });

  it('refuses a value altered in one character, sealed with another secret, or for another purpose', async () => {
    const sealer = new CookieSealer(SECRET);
    const sealed = await sealer.seal('oidc-flow', { state: 's1' }, 600);
    const i = sealed.length - 10;
    const altered = `${sealed.slice(0, i)}${sealed[i] === 'A' ? 'B' : 'A'}${sealed.slice(i + 1)}`;
    expect(await sealer.open('oidc-flow', altered)).toBeNull();
    expect(await new CookieSealer(`${SECRET}-other`).open('oidc-flow', sealed)).toBeNull();
    expect(await sealer.open('oidc-logout', sealed)).toBeNull();
    expect(await sealer.open('oidc-flow', undefined)).toBeNull();
    expect(await sealer.open('oidc-flow', 'not a jwe')).toBeNull();
  });

  it('refuses an expired value', async () => {
    const sealer = new CookieSealer(SECRET);
    // Sealed an hour ago with ten minutes to live: the clock is set back while sealing (Date only, no timers).
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 3600_000 });
    const sealed = await sealer.seal('oidc-flow', { state: 's1' }, 600).finally(() => vi.useRealTimers());
    expect(await sealer.open('oidc-flow', sealed)).toBeNull();
  });
});
