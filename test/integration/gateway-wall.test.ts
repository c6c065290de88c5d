/**
 * The class wall on real gateways (issue 10 point 3): a teacher's wall socket gets text thumbnails of the
 * screens its ticket names, from the replica holding each session (two replicas on a real Redis), at most
 * one per session per interval, and nothing of other sessions. Wall and terminal tickets do not open each
 * other's sockets; a reused, forged or disabled user's ticket is refused with its close code.
 */
import { randomUUID } from 'node:crypto';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionStore } from '@autolabs/common/session-store/redis-session-store';
import { AUDIT_CHANNEL } from '@autolabs/common/session-store/session-store';
import { revokeUserTickets } from '@autolabs/common/tickets/revoked-users';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { startGateway, type GatewayFixture } from '@autolabs/gateway/testing/gateway-fixture';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { WallClient, mintTestWallTicket, wallUrlOf } from '@autolabs/gateway/testing/wall-client';
import { CloseCode } from '@autolabs/gateway/protocol/wire';
import { TEST_REDIS_URL } from '../setup/services';

const INTERVAL_MS = 300;
const prefix = `autolabs-walltest-${randomUUID().slice(0, 8)}:`;
const stores: RedisSessionStore[] = [];
const open: { close(): void }[] = [];
let keys: { privateKey: CryptoKey; publicKey: CryptoKey };
let a: GatewayFixture;
let b: GatewayFixture;
let observer: RedisSessionStore;

function store(): RedisSessionStore {
  const s = new RedisSessionStore({ url: TEST_REDIS_URL, keyPrefix: prefix });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  keys = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  observer = store();
  a = await startGateway({ sessionStore: store(), keys, gatewayId: 'wall-a', reachableByPeers: true, wallIntervalMs: INTERVAL_MS });
  b = await startGateway({ sessionStore: store(), keys, gatewayId: 'wall-b', reachableByPeers: true, wallIntervalMs: INTERVAL_MS });
});
afterAll(async () => {
  for (const c of open) c.close();
  await a?.close();
  await b?.close();
  for (const s of stores) await s.close();
});

async function student(gw: GatewayFixture, ownerId = `student-${randomUUID().slice(0, 6)}`): Promise<{ owner: WireClient; sid: string }> {
  const owner = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket({ ownerId }), origin: gw.origin });
  open.push({ close: () => owner.socket.close() });
  return { owner, sid: owner.control('welcome')!.sessionId };
}

function wall(gw: GatewayFixture, ticket: string | null): WallClient {
  const w = new WallClient(wallUrlOf(gw.url), ticket);
  open.push(w);
  return w;
}

describe('class wall', () => {
  it('shows each listed screen as text from whichever replica holds it, and follows what the students type', async () => {
    const one = await student(a);
    const two = await student(b);
    const other = await student(a);
    one.owner.type('echo one-$((6*7))\r');
    two.owner.type('echo two-$((5*5))\r');
    other.owner.type('echo other-$((2*2))\r');
    await Promise.all([one.owner.waitForText('one-42'), two.owner.waitForText('two-25'), other.owner.waitForText('other-4')]);

    const w = wall(b, await mintTestWallTicket(keys.privateKey, [one.sid, two.sid]));
    expect(await w.watching()).toEqual([one.sid, two.sid]);
    const first = await w.thumbShowing(one.sid, 'one-42');
    expect(first).toMatchObject({ cols: 80, rows: 24 });
    expect(first.lines[first.cursorY]).toBe('$ ');
    await w.thumbShowing(two.sid, 'two-25');

    one.owner.type('echo later-$((9*9))\r');
    const later = await w.thumbShowing(one.sid, 'later-81');
    expect(later.seq).toBeGreaterThan(first.seq);
    // The other student printed before either thumbnail was taken: a wall not listing them never sees it.
    expect(w.thumbs(other.sid)).toEqual([]);
    expect(w.messages.every((m) => m.type !== 'thumb' || m.sid !== other.sid)).toBe(true);
  });

  it('sends a flooding screen at most once per interval', async () => {
    const flood = await student(a);
    const w = wall(a, await mintTestWallTicket(keys.privateKey, [flood.sid]));
    await w.watching();
    flood.owner.type('yes flood-line\r');
    await waitFor('five thumbnails of the flood', () => w.thumbs(flood.sid).filter((t) => t.lines.join('').includes('flood-line')).length >= 5, 20_000);
    flood.owner.type('\x03');
    // One look per interval (plus the first, asked for when the wall opened): a slower machine sends fewer.
    const at = w.thumbs(flood.sid).map((t) => t.at);
    expect(at.length).toBeLessThanOrEqual(Math.floor((at[at.length - 1] - at[0]) / INTERVAL_MS) + 2);
    // A thumbnail is the screen's text, bounded by the screen: not the stream.
    for (const t of w.thumbs(flood.sid)) expect(t.lines.length).toBeLessThanOrEqual(24);
  });

  it('a later watch with a new ticket of the same teacher changes the sessions shown', async () => {
    const one = await student(a);
    const two = await student(a);
    two.owner.type('echo second-$((3*3))\r');
    await two.owner.waitForText('second-9');
    const w = wall(a, await mintTestWallTicket(keys.privateKey, [one.sid]));
    await w.watching();
    w.watch(await mintTestWallTicket(keys.privateKey, [one.sid, two.sid]));
    expect(await w.watching(2)).toEqual([one.sid, two.sid]);
    await w.thumbShowing(two.sid, 'second-9');
  });

  it('audits who opened a wall of which deployment', async () => {
    const seen: unknown[] = [];
    const sub = await observer.subscribe(AUDIT_CHANNEL, (m) => seen.push(m));
    try {
      const one = await student(a);
      const deploymentId = randomUUID();
      const w = wall(a, await mintTestWallTicket(keys.privateKey, [one.sid], { sub: 'teacher-audit', deploymentId }));
      await w.watching();
      await waitFor('the wall audited', () => seen.some((m) => (m as { targetId?: string }).targetId === deploymentId));
      expect(seen.find((m) => (m as { targetId?: string }).targetId === deploymentId)).toMatchObject({
        actorId: 'teacher-audit',
        action: 'terminal.wall',
        targetType: 'lab_deployment',
        outcome: 'success',
        detail: { sessions: 1 },
      });
    } finally {
      await sub.dispose();
    }
  });
});

describe('class wall refusals', () => {
  it('a wall ticket is single-use', async () => {
    const one = await student(a);
    const ticket = await mintTestWallTicket(keys.privateKey, [one.sid]);
    const first = wall(a, ticket);
    await first.watching();
    const again = wall(b, ticket);
    expect((await again.closed).code).toBe(CloseCode.TICKET_REUSED);
    expect(again.messages[0]).toMatchObject({ type: 'error', code: 'TICKET_REUSED' });
  });

  it('a terminal ticket does not open a wall, and a wall ticket does not open a terminal', async () => {
    const one = await student(a);
    const viewer = wall(a, await a.viewerTicket(one.sid));
    expect((await viewer.closed).code).toBe(CloseCode.TICKET_INVALID);
    const owner = wall(a, await a.ownerTicket());
    expect((await owner.closed).code).toBe(CloseCode.TICKET_INVALID);

    const terminal = new WireClient({ url: a.url, ticket: await mintTestWallTicket(keys.privateKey, [one.sid]), origin: a.origin });
    expect((await terminal.closed).code).toBe(CloseCode.TICKET_INVALID);
  });

  it('refuses a ticket signed by another key, a garbled first message, and a second watch of another user', async () => {
    const one = await student(a);
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const forged = wall(a, await mintTestWallTicket(other.privateKey, [one.sid]));
    expect((await forged.closed).code).toBe(CloseCode.TICKET_INVALID);
    expect(forged.thumbs()).toEqual([]);

    const garbled = wall(a, null);
    garbled.socket.on('open', () => garbled.socket.send('{"type":"hello","ticket":5}'));
    expect((await garbled.closed).code).toBe(CloseCode.BAD_HELLO);
    expect(garbled.messages[0]).toMatchObject({ type: 'error', code: 'BAD_INPUT', field: 'type' });

    const w = wall(a, await mintTestWallTicket(keys.privateKey, [one.sid]));
    await w.watching();
    w.watch(await mintTestWallTicket(keys.privateKey, [one.sid], { sub: 'someone-else' }));
    expect((await w.closed).code).toBe(CloseCode.FORBIDDEN);
  });

  it("refuses a disabled teacher's ticket minted before the disable", async () => {
    const one = await student(a);
    const ticket = await mintTestWallTicket(keys.privateKey, [one.sid], { sub: 'teacher-disabled' });
    await revokeUserTickets(observer, 'teacher-disabled');
    const w = wall(a, ticket);
    expect((await w.closed).code).toBe(CloseCode.FORBIDDEN);
    expect(w.thumbs()).toEqual([]);
  });
});
