import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../session-store/memory-session-store';
import { REVOCATION_WINDOW_MS, restoreUserTickets, revokeUserTickets, userTicketsRevoked } from './revoked-users';

describe('revoked users', () => {
  it('refuses a disabled user\'s tickets for longer than any ticket lives, and nobody else\'s', async () => {
    const store = new MemorySessionStore();
    const at = 1_000_000;
    await revokeUserTickets(store, 'u1', at);
    expect(await userTicketsRevoked(store, 'u1', at + 600_000)).toBe(true);
    expect(await userTicketsRevoked(store, 'u2', at)).toBe(false);
    expect(await userTicketsRevoked(store, 'u1', at + REVOCATION_WINDOW_MS)).toBe(false);
    await store.close();
  });

  it('lets the tickets through again once the account is enabled', async () => {
    const store = new MemorySessionStore();
    await revokeUserTickets(store, 'u1');
    await restoreUserTickets(store, 'u1');
    expect(await userTicketsRevoked(store, 'u1')).toBe(false);
    await store.close();
  });
});
