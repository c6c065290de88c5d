import { generateKeyPair } from 'jose';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import { mintTicket, type TicketClaims } from '@autolabs/common/tickets/ticket';
import { mintOwnerTicket } from '../testing/test-tickets';
import { claimTicket, verifyTicketClaims } from './ticket-gate';

let keys: { privateKey: CryptoKey; publicKey: CryptoKey };
beforeAll(async () => {
  keys = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
});

describe('ticket gate', () => {
  let store: MemorySessionStore;
  beforeEach(() => {
    store = new MemorySessionStore();
  });
  afterEach(async () => store.close());

  it('claims a valid ticket once and refuses it the second time with TICKET_REUSED', async () => {
    const token = await mintOwnerTicket(keys.privateKey, { sid: 's-1' });
    const ticket = await verifyTicketClaims(keys.publicKey, token);
    expect(ticket).toMatchObject({ sid: 's-1', mode: 'owner', sub: 'student-1' });
    await expect(claimTicket(store, ticket)).resolves.toBeUndefined();
    await expect(claimTicket(store, ticket)).rejects.toMatchObject({ code: 'TICKET_REUSED' });
  });

  it('verifying does not use the ticket up: a forwarding replica verifies, the serving one claims', async () => {
    const token = await mintOwnerTicket(keys.privateKey);
    await verifyTicketClaims(keys.publicKey, token);
    const again = await verifyTicketClaims(keys.publicKey, token);
    await expect(claimTicket(store, again)).resolves.toBeUndefined();
  });

  it('refuses a ticket whose claims have the wrong shape with TICKET_INVALID naming the claim', async () => {
    const bad = { sub: 'u', name: 'U', role: 'student', sid: 's', labInstanceId: 'i', courseId: null, ownerId: 'u', mode: 'root', recording: false };
    const token = await mintTicket(keys.privateKey, bad as unknown as TicketClaims, 60);
    await expect(verifyTicketClaims(keys.publicKey, token)).rejects.toMatchObject({ code: 'TICKET_INVALID', field: 'ticket.mode' });
  });

  it('refuses a pty target without a program with TICKET_INVALID', async () => {
    const token = await mintOwnerTicket(keys.privateKey, { target: { kind: 'pty', argv: [], env: {}, cwd: '/' } });
    await expect(verifyTicketClaims(keys.publicKey, token)).rejects.toMatchObject({ code: 'TICKET_INVALID', field: 'ticket.target.argv' });
  });

  it('refuses a ticket signed by another key with TICKET_INVALID', async () => {
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await mintOwnerTicket(other.privateKey);
    await expect(verifyTicketClaims(keys.publicKey, forged)).rejects.toMatchObject({ code: 'TICKET_INVALID' });
  });
});
