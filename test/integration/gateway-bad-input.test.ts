/**
 * Bad input at the gateway's edge, one case per test: each is refused with its documented close code
 * (or an `error` message when the connection may go on), and the session and the gateway stay up.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayFixture } from '@autolabs/gateway/testing/gateway-fixture';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { CloseCode, LIMITS, PROTOCOL_VERSION, encodeInputFrame } from '@autolabs/gateway/protocol/wire';

let gw: GatewayFixture;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

const connect = (ticket: string) => WireClient.connect({ url: gw.url, ticket, origin: gw.origin });

/** An owner session with a live shell, proven alive before and after each abuse. */
async function liveOwner(): Promise<WireClient> {
  const owner = await connect(await gw.ownerTicket({ sid: randomUUID() }));
  owner.type("echo rea''dy\r");
  await owner.waitForText('ready');
  return owner;
}

async function stillAlive(owner: WireClient, tag: string): Promise<void> {
  owner.type(`echo alive-${tag}-$((1+1))\r`);
  await owner.waitForText(`alive-${tag}-2`);
}

describe('gateway bad input', () => {
  it('refuses a reused ticket with TICKET_REUSED', async () => {
    const ticket = await gw.ownerTicket();
    const first = await connect(ticket);
    expect(first.control('welcome')).toBeDefined();
    const second = await connect(ticket);
    expect((await second.closed).code).toBe(CloseCode.TICKET_REUSED);
    expect(second.control('error')).toMatchObject({ code: 'TICKET_REUSED' });
    await stillAlive(first, 'reuse');
    await first.close();
  });

  it('refuses an expired ticket with TICKET_EXPIRED', async () => {
    const client = await connect(await gw.ownerTicket({ ttlSeconds: -30 }));
    expect((await client.closed).code).toBe(CloseCode.TICKET_EXPIRED);
    expect(client.control('error')).toMatchObject({ code: 'TICKET_EXPIRED' });
  });

  it('refuses a ticket signed by another key with TICKET_INVALID', async () => {
    const client = await connect('eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl');
    expect((await client.closed).code).toBe(CloseCode.TICKET_INVALID);
  });

  it("refuses a student attaching to another student's session with FORBIDDEN", async () => {
    const alice = await liveOwner();
    const sid = alice.control('welcome')!.sessionId;
    const bob = await connect(await gw.ownerTicket({ sid, sub: 'student-2', ownerId: 'student-2' }));
    expect((await bob.closed).code).toBe(CloseCode.FORBIDDEN);
    expect(bob.control('error')).toMatchObject({ code: 'FORBIDDEN', field: 'ticket.sid' });
    expect(bob.text).toBe('');
    const forged = await connect(await gw.ownerTicket({ sid, sub: 'student-2', ownerId: 'student-1' }));
    expect((await forged.closed).code).toBe(CloseCode.FORBIDDEN);
    await stillAlive(alice, 'forbidden');
    await alice.close();
  });

  it('refuses a student holding a viewer ticket', async () => {
    const owner = await liveOwner();
    const sid = owner.control('welcome')!.sessionId;
    const peer = await connect(await gw.viewerTicket(sid, { sub: 'student-2', role: 'student' }));
    expect((await peer.closed).code).toBe(CloseCode.FORBIDDEN);
    await owner.close();
  });

  it('answers viewer input with an error, drops it, and keeps the viewer attached', async () => {
    const owner = await liveOwner();
    const viewer = await connect(await gw.viewerTicket(owner.control('welcome')!.sessionId));
    viewer.type('touch /tmp/viewer-was-here\r');
    await viewer.waitFor('error', () => viewer.control('error') !== undefined);
    expect(viewer.control('error')).toMatchObject({ code: 'FORBIDDEN', field: 'input' });
    await stillAlive(owner, 'viewer-input');
    expect(owner.text).not.toContain('viewer-was-here');
    expect(viewer.socket.readyState).toBe(WebSocket.OPEN);
    await viewer.close();
    await owner.close();
  });

  it('refuses resize to 0 or 100000 columns with an error naming the field; the session survives', async () => {
    const owner = await liveOwner();
    owner.sendControl({ type: 'resize', cols: 0, rows: 24 } as never);
    owner.sendRaw(JSON.stringify({ type: 'resize', cols: 100000, rows: 24 }), false);
    await owner.waitFor('two errors', () => owner.controlsOf('error').length === 2);
    expect(owner.controlsOf('error').map((e) => [e.code, e.field])).toEqual([
      ['BAD_INPUT', 'cols'],
      ['BAD_INPUT', 'cols'],
    ]);
    owner.type('stty size\r');
    await owner.waitForText('24 80');
    await owner.close();
  });

  it('drops input beyond a bound while the program does not read it, with an error; the session stays up', async () => {
    const owner = await liveOwner();
    const sid = owner.control('welcome')!.sessionId;
    // From the marker on, bash runs the rest of the line and nobody reads the terminal's input.
    owner.type('stty -icanon -echo; echo not-""reading; sleep 30\r');
    await owner.waitForText('not-reading');
    const chunk = Buffer.from(encodeInputFrame('x'.repeat(60 * 1024)));
    for (let i = 0; i < 40; i++) owner.sendRaw(chunk, true);
    await owner.waitFor('refusal', () => owner.control('error') !== undefined);
    expect(owner.control('error')).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'input' });
    expect(owner.socket.readyState).toBe(WebSocket.OPEN);
    const viewer = await connect(await gw.viewerTicket(sid));
    await viewer.waitFor('snapshot', () => viewer.snapshots === 1);
    expect(viewer.text).toContain('sleep 30');
    await viewer.close();
    await owner.close();
  });

  it('closes a connection sending binary garbage with MALFORMED_FRAME; the session survives', async () => {
    const owner = await liveOwner();
    const sid = owner.control('welcome')!.sessionId;
    const viewer = await connect(await gw.viewerTicket(sid));
    viewer.sendRaw(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]), true);
    expect((await viewer.closed).code).toBe(CloseCode.MALFORMED_FRAME);
    await stillAlive(owner, 'garbage');
    await owner.close();
  });

  it('closes a connection sending a 100 MB frame with MESSAGE_TOO_BIG (4014); session and gateway stay up', async () => {
    const owner = await liveOwner();
    const sid = owner.control('welcome')!.sessionId;
    const viewer = await connect(await gw.viewerTicket(sid));
    viewer.sendRaw(Buffer.alloc(100 * 1024 * 1024, 0x61), true);
    expect((await viewer.closed).code).toBe(CloseCode.MESSAGE_TOO_BIG);
    await stillAlive(owner, 'huge');
    const fresh = await connect(await gw.ownerTicket());
    expect(fresh.control('welcome')).toBeDefined();
    await fresh.close();
    await owner.close();
  });

  it('closes a control message over the control limit with FRAME_TOO_LARGE', async () => {
    const owner = await liveOwner();
    owner.sendRaw(JSON.stringify({ type: 'ping', pad: 'x'.repeat(LIMITS.maxControlBytes) }), false);
    expect((await owner.closed).code).toBe(CloseCode.FRAME_TOO_LARGE);
  });

  it('closes on malformed JSON and on a second hello with MALFORMED_FRAME', async () => {
    const a = await liveOwner();
    a.sendRaw('{"type":', false);
    expect((await a.closed).code).toBe(CloseCode.MALFORMED_FRAME);
    const b = await liveOwner();
    b.sendControl({ type: 'hello', v: PROTOCOL_VERSION, ticket: 'x', cols: 80, rows: 24 });
    expect((await b.closed).code).toBe(CloseCode.MALFORMED_FRAME);
  });

  it('closes a hello of another protocol version with PROTOCOL_VERSION', async () => {
    const ws = new WebSocket(gw.url, { origin: gw.origin });
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'hello', v: 99, ticket: await gw.ownerTicket(), cols: 80, rows: 24 }));
    const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
    expect(code).toBe(CloseCode.PROTOCOL_VERSION);
  });

  it('closes input sent before hello with BAD_HELLO', async () => {
    const ws = new WebSocket(gw.url, { origin: gw.origin });
    await new Promise((r) => ws.once('open', r));
    ws.send(Buffer.from([0x10, 0x6c, 0x73]));
    const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
    expect(code).toBe(CloseCode.BAD_HELLO);
  });

  it('closes a connection that never sends its hello with BAD_HELLO after the hello timeout', async () => {
    const ws = new WebSocket(gw.url, { origin: gw.origin });
    await new Promise((r) => ws.once('open', r));
    const opened = Date.now();
    const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
    expect(code).toBe(CloseCode.BAD_HELLO);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(LIMITS.helloTimeoutMs - 100);
  }, LIMITS.helloTimeoutMs + 5000);

  it('refuses the upgrade from a foreign origin with HTTP 403', async () => {
    const ws = new WebSocket(gw.url, { origin: 'https://evil.example' });
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
    });
    ws.on('error', () => undefined);
    expect(status).toBe(403);
  });

  it('rejects an owner ticket without target for a session that does not exist with SESSION_NOT_FOUND', async () => {
    const client = await connect(await gw.ownerTicket({ target: undefined }));
    expect((await client.closed).code).toBe(CloseCode.SESSION_NOT_FOUND);
  });
});
