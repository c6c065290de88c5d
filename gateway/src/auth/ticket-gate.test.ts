import { generateKeyPair } from 'jose';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '@autolabs/server/infra/session-store/memory-session-store';
import { mintTicket, type TicketClaims } from '@autolabs/server/tickets/ticket';
import { mintOwnerTicket } from '../testing/test-tickets';
import { admitTicket } from './ticket-gate';

let keys: { privateKey: CryptoKey; publicKey: CryptoKey };
beforeAll(async () => {
  keys = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
});

describe('admitTicket', () => {
  let store: MemorySessionStore;
  beforeEach(() => {
    store = new MemorySessionStore();
  });
  afterEach(async () => store.close());

  it('admits a valid ticket once and refuses it the second time with TICKET_REUSED', async () => {
    const token = await mintOwnerTicket(keys.privateKey, { sid: 's-1' });
    await expect(admitTicket(keys.publicKey, store, token)).resolves.toMatchObject({ sid: 's-1', mode: 'owner', sub: 'student-1' });
    await expect(admitTicket(keys.publicKey, store, token)).rejects.toMatchObject({ code: 'TICKET_REUSED' });
  });

  it('refuses a ticket whose claims have the wrong shape with TICKET_INVALID naming the claim', async () => {
    const bad = { sub: 'u', name: 'U', role: 'student', sid: 's', labInstanceId: 'i', courseId: null, ownerId: 'u', mode: 'root', recording: false };
    const token = await mintTicket(keys.privateKey, bad as unknown as TicketClaims, 60);
    await expect(admitTicket(keys.publicKey, store, token)).rejects.toMatchObject({ code: 'TICKET_INVALID', field: 'ticket.mode' });
  });

  it('refuses a pty target without a program with TICKET_INVALID', async () => {
    const token = await mintOwnerTicket(keys.privateKey, { target: { kind: 'pty', argv: [], env: {}, cwd: '/' } });
    await expect(admitTicket(keys.publicKey, store, token)).rejects.toMatchObject({ code: 'TICKET_INVALID', field: 'ticket.target.argv' });
  });

  it('refuses a ticket signed by another key with TICKET_INVALID', async () => {
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await mintOwnerTicket(other.privateKey);
    await expect(admitTicket(keys.publicKey, store, forged)).rejects.toMatchObject({ code: 'TICKET_INVALID' });
  });
});
