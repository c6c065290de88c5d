/**
 * Two gateway replicas sharing a real Redis session store (random key prefix per run): single-use
 * tickets hold across replicas, sessions are registered where the admin console reads them, an admin
 * kill published by the server reaches the replica serving the session, and a replica refuses a
 * session another live replica serves when that replica has no internal URL to forward to (forwarding
 * itself: gateway-forward.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionStore } from '@autolabs/common/session-store/redis-session-store';
import { SESSION_CONTROL_CHANNEL } from '@autolabs/common/session-store/session-store';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { startGateway, type GatewayFixture } from '@autolabs/gateway/testing/gateway-fixture';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { CloseCode } from '@autolabs/gateway/protocol/wire';
import { TEST_REDIS_URL } from '../setup/services';

const prefix = `autolabs-gwtest-${randomUUID().slice(0, 8)}:`;
let storeA: RedisSessionStore;
let storeB: RedisSessionStore;
let server: RedisSessionStore;
let a: GatewayFixture;
let b: GatewayFixture;

beforeAll(async () => {
  const keys = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  storeA = new RedisSessionStore({ url: TEST_REDIS_URL, keyPrefix: prefix });
  storeB = new RedisSessionStore({ url: TEST_REDIS_URL, keyPrefix: prefix });
  server = new RedisSessionStore({ url: TEST_REDIS_URL, keyPrefix: prefix });
  await Promise.all([storeA.ping(), storeB.ping(), server.ping()]);
  a = await startGateway({ sessionStore: storeA, keys, gatewayId: 'replica-a' });
  b = await startGateway({ sessionStore: storeB, keys, gatewayId: 'replica-b' });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  for (const s of [storeA, storeB, server]) await s?.close();
});

describe('gateway with Redis', () => {
  it('refuses a ticket already used on another replica with TICKET_REUSED', async () => {
    const ticket = await a.ownerTicket();
    const first = await WireClient.connect({ url: a.url, ticket, origin: a.origin });
    expect(first.control('welcome')).toBeDefined();
    const replay = await WireClient.connect({ url: b.url, ticket, origin: b.origin });
    expect((await replay.closed).code).toBe(CloseCode.TICKET_REUSED);
    await first.close();
  });

  it('registers the live session in Redis with its gateway and attached clients', async () => {
    const owner = await WireClient.connect({ url: a.url, ticket: await a.ownerTicket(), origin: a.origin });
    const sid = owner.control('welcome')!.sessionId;
    const viewer = await WireClient.connect({ url: a.url, ticket: await a.viewerTicket(sid), origin: a.origin });
    await waitFor('two clients in the record', async () => (await server.get(sid))?.clients.length === 2);
    const record = await server.get(sid);
    expect(record).toMatchObject({ id: sid, gatewayId: 'replica-a', ownerId: 'student-1', state: 'live' });
    expect(record?.clients.map((c) => c.mode).sort()).toEqual(['owner', 'viewer']);
    expect((await server.list({ ownerId: 'student-1' })).map((r) => r.id)).toContain(sid);
    await viewer.close();
    await owner.close();
    await waitFor('state detached', async () => (await server.get(sid))?.state === 'detached');
  });

  it('ends a session when the server publishes an admin kill on Redis', async () => {
    const owner = await WireClient.connect({ url: b.url, ticket: await b.ownerTicket(), origin: b.origin });
    const sid = owner.control('welcome')!.sessionId;
    await server.publish(SESSION_CONTROL_CHANNEL, { type: 'kill', sessionId: sid, by: 'admin-1' });
    expect((await owner.closed).code).toBe(CloseCode.KILLED_BY_ADMIN);
    await waitFor('record removed', async () => (await server.get(sid)) === null);
  });

  it('refuses to open a second shell for a session another live replica serves without an internal URL', async () => {
    const owner = await WireClient.connect({ url: a.url, ticket: await a.ownerTicket(), origin: a.origin });
    const sid = owner.control('welcome')!.sessionId;
    expect((await server.get(sid))?.gatewayUrl).toBeUndefined();
    const elsewhere = await WireClient.connect({ url: b.url, ticket: await b.ownerTicket({ sid }), origin: b.origin });
    expect((await elsewhere.closed).code).toBe(CloseCode.SESSION_NOT_FOUND);
    expect(elsewhere.control('error')?.message).toMatch(/another gateway/);
    await owner.close();
  });
});
