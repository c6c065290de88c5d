/**
 * Two gateway replicas on one real Redis, each reachable by the other at its internal URL: a client
 * that reaches the replica not holding its session is forwarded to the holder (resume, teachers
 * watching), tickets stay single-use across the hop, close codes pass through, and a forwarded
 * connection is never forwarded again.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { RedisSessionStore } from '@autolabs/common/session-store/redis-session-store';
import { sessionRecord } from '@autolabs/common/session-store/session-store.contract';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { startGateway, type GatewayFixture } from '@autolabs/gateway/testing/gateway-fixture';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { CloseCode } from '@autolabs/gateway/protocol/wire';
import { FORWARDED_HEADER } from '@autolabs/gateway/ws/peer-forward';
import { TEST_REDIS_URL } from '../setup/services';

const prefix = `autolabs-fwdtest-${randomUUID().slice(0, 8)}:`;
const stores: RedisSessionStore[] = [];
let keys: { privateKey: CryptoKey; publicKey: CryptoKey };
let server: RedisSessionStore;
let a: GatewayFixture;
let b: GatewayFixture;

function store(): RedisSessionStore {
  const s = new RedisSessionStore({ url: TEST_REDIS_URL, keyPrefix: prefix });
  stores.push(s);
  return s;
}

function replica(gatewayId: string): Promise<GatewayFixture> {
  return startGateway({ sessionStore: store(), keys, gatewayId, reachableByPeers: true });
}

beforeAll(async () => {
  keys = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  server = store();
  a = await replica('replica-a');
  b = await replica('replica-b');
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  for (const s of stores) await s.close();
});

async function ownerOn(gw: GatewayFixture): Promise<{ owner: WireClient; sid: string }> {
  const owner = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket(), origin: gw.origin });
  const sid = owner.control('welcome')!.sessionId;
  return { owner, sid };
}

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('gateway replicas forwarding to the holder', () => {
  it('an owner whose socket dropped resumes through the other replica: missed output once, same shell', async () => {
    const { owner, sid } = await ownerOn(a);
    expect((await server.get(sid))?.gatewayUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    owner.type('cd /tmp && echo one-$((0+1))\r');
    await owner.waitForText('one-1');
    // Output produced while no client is attached: only the ring buffer has it. The shell prints it once
    // the test has seen the session detached (a flag file), and leaves a second file when it has.
    const flags = mkdtempSync(path.join(os.tmpdir(), 'gateway-forward-'));
    onTestFinished(() => rmSync(flags, { recursive: true, force: true }));
    owner.type(`until [ -e ${flags}/detached ]; do sleep 0.05; done; echo missed-$((1+1)); touch ${flags}/printed\r`);
    await owner.waitForText('until [');
    owner.socket.terminate();
    await owner.closed;
    await waitFor('session detached', async () => (await server.get(sid))?.state === 'detached');
    writeFileSync(path.join(flags, 'detached'), '');
    await waitFor('the shell to print while detached', () => existsSync(path.join(flags, 'printed')));

    const resumed = await WireClient.connect({ url: b.url, ticket: await b.ownerTicket({ sid }), origin: b.origin, resumeFrom: owner.lastSeq });
    expect(resumed.control('welcome')?.sessionId).toBe(sid);
    await resumed.waitForText('missed-2');
    resumed.type('pwd\r');
    await resumed.waitForText(/\/tmp\r?\n/);
    resumed.type('echo typed-$((3+4))\r');
    await resumed.waitForText('typed-7');
    expect(occurrences(resumed.text, 'missed-2')).toBe(1);
    expect(resumed.snapshots).toBe(0);
    expect(resumed.seqErrors).toEqual([]);
    // Still the shell replica A opened: B only pipes.
    expect(await server.get(sid)).toMatchObject({ gatewayId: 'replica-a', state: 'live' });
    await resumed.close();
  });

  it('a teacher attached through the other replica sees what the owner types and cannot type', async () => {
    const { owner, sid } = await ownerOn(a);
    const viewer = await WireClient.connect({ url: b.url, ticket: await b.viewerTicket(sid), origin: b.origin });
    expect(viewer.control('welcome')).toMatchObject({ sessionId: sid, mode: 'viewer' });
    owner.type('echo watched-$((2+3))\r');
    await viewer.waitForText('watched-5');
    viewer.type('touch /tmp/viewer-was-here\r');
    await viewer.waitFor('error', () => viewer.control('error') !== undefined);
    expect(viewer.control('error')).toMatchObject({ code: 'FORBIDDEN', field: 'input' });
    expect(viewer.seqErrors).toEqual([]);
    await viewer.close();
    await owner.close();
  });

  it('a ticket forwarded through one replica cannot be used again on the holder', async () => {
    const { owner, sid } = await ownerOn(a);
    const ticket = await b.viewerTicket(sid);
    const viewer = await WireClient.connect({ url: b.url, ticket, origin: b.origin });
    expect(viewer.control('welcome')).toBeDefined();
    const replay = await WireClient.connect({ url: a.url, ticket, origin: a.origin });
    expect((await replay.closed).code).toBe(CloseCode.TICKET_REUSED);
    const replayViaB = await WireClient.connect({ url: b.url, ticket, origin: b.origin });
    expect((await replayViaB.closed).code).toBe(CloseCode.TICKET_REUSED);
    expect(replayViaB.control('error')?.code).toBe('TICKET_REUSED');
    await viewer.close();
    await owner.close();
  });

  it('the holder shutting down closes a client connected through the other replica with SHUTTING_DOWN', async () => {
    const c = await replica('replica-c');
    const { sid } = await ownerOn(c);
    const viewer = await WireClient.connect({ url: b.url, ticket: await b.viewerTicket(sid), origin: b.origin });
    expect(viewer.control('welcome')).toBeDefined();
    await c.close();
    expect((await viewer.closed).code).toBe(CloseCode.SHUTTING_DOWN);
  });

  it('a holder that cannot be reached gives BACKEND_FAILED with a message', async () => {
    const record = sessionRecord({ gatewayId: 'replica-gone', clients: [] });
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    await server.put({ ...record, gatewayUrl: 'ws://127.0.0.1:1' });
    const sid = record.id;
    const client = await WireClient.connect({ url: b.url, ticket: await b.ownerTicket({ sid }), origin: b.origin });
    expect((await client.closed).code).toBe(CloseCode.BACKEND_FAILED);
    expect(client.control('error')).toMatchObject({ code: 'RUNTIME_UNAVAILABLE', message: expect.stringMatching(/unreachable/) });
    await server.remove(sid);
  });

  it('does not forward a connection that was itself forwarded (loop guard): it is refused as before', async () => {
    const { owner, sid } = await ownerOn(a);
    const looped = await WireClient.connect({
      url: b.url,
      ticket: await b.ownerTicket({ sid }),
      origin: b.origin,
      headers: { [FORWARDED_HEADER]: 'replica-x' },
    });
    expect((await looped.closed).code).toBe(CloseCode.SESSION_NOT_FOUND);
    expect(looped.control('error')?.message).toMatch(/another gateway/);
    await owner.close();
  });
});
