/**
 * Abuse at the gateway's door, as an attacker tried it: a flood of sockets that never say hello, an
 * upgrade request whose headers never end, and oversized frames one after another. Each is refused with
 * its documented answer, logged without noise, and an honest client still gets its terminal.
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayFixture } from '@autolabs/gateway/testing/gateway-fixture';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { HTTP_TIMEOUTS } from '@autolabs/common/ops/http-timeouts';
import { CloseCode } from '@autolabs/gateway/protocol/wire';

const MAX_PENDING = 10;
const HELLO_TIMEOUT_MS = 1500;
const FLOOD = 200;

let gw: GatewayFixture;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  gw = await startGateway({ logger: pino({ level: 'info' }, sink), maxPendingPerClient: MAX_PENDING, helloTimeoutMs: HELLO_TIMEOUT_MS });
});
afterAll(async () => {
  await gw.close();
});

interface RawOutcome {
  /** 101 when the upgrade succeeded, else the HTTP status of the refusal (0: no answer). */
  status: number;
  ws: WebSocket;
  openedAt: number;
  closed: Promise<{ code: number; at: number }>;
}

/** A socket that upgrades and then says nothing, like the attacker's. */
function silentSocket(opts: { localAddress?: string } = {}): Promise<RawOutcome> {
  const ws = new WebSocket(gw.url, { origin: gw.origin, localAddress: opts.localAddress });
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; at: number }>((resolve) => ws.once('close', (code) => resolve({ code, at: Date.now() })));
  return new Promise((resolve) => {
    ws.once('upgrade', () => resolve({ status: 101, ws, openedAt: Date.now(), closed }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, ws, openedAt: Date.now(), closed });
      res.resume();
    });
    ws.once('error', () => resolve({ status: 0, ws, openedAt: Date.now(), closed }));
  });
}

describe('gateway under a flood of sockets that never say hello', () => {
  it(`admits ${MAX_PENDING} pending sockets per address, answers the rest 429, times the admitted out with BAD_HELLO, then serves an honest client`, async () => {
    const flood = await Promise.all(Array.from({ length: FLOOD }, () => silentSocket()));
    const admitted = flood.filter((s) => s.status === 101);
    const refused = flood.filter((s) => s.status === 429);
    expect({ admitted: admitted.length, refused: refused.length }).toEqual({ admitted: MAX_PENDING, refused: FLOOD - MAX_PENDING });

    // While the flood holds its slots, the same address is refused, another address is not.
    expect((await silentSocket()).status).toBe(429);
    const elsewhere = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket({ sid: randomUUID() }), origin: gw.origin, localAddress: '127.0.0.2' });
    expect(elsewhere.control('welcome')).toBeDefined();
    await elsewhere.close();

    const closes = await Promise.all(admitted.map((s) => s.closed));
    expect(new Set(closes.map((c) => c.code))).toEqual(new Set([CloseCode.BAD_HELLO]));
    for (const [i, c] of closes.entries()) expect(c.at - admitted[i].openedAt).toBeGreaterThanOrEqual(HELLO_TIMEOUT_MS - 100);

    const honest = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket({ sid: randomUUID() }), origin: gw.origin });
    expect(honest.control('welcome')).toBeDefined();
    await honest.close();
  }, 30_000);

  it('cuts off an upgrade request whose headers never end, after the headers timeout, with 408', async () => {
    const port = Number(new URL(gw.url).port);
    const socket = net.connect({ host: '127.0.0.1', port });
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    await new Promise((r) => socket.once('connect', r));
    const start = Date.now();
    socket.write(`GET /gateway/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n`);
    await new Promise((r) => socket.once('close', r));
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - start).toBeLessThan(HTTP_TIMEOUTS.headersTimeoutMs + HTTP_TIMEOUTS.checkIntervalMs + 1000);
  }, 30_000);
});

describe('gateway receiving oversized frames', () => {
  it('closes each of 20 connections sending a 10 MB frame with MESSAGE_TOO_BIG (4014), logging one warning without a stack for each', async () => {
    const owner = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket({ sid: randomUUID() }), origin: gw.origin });
    const sid = owner.control('welcome')!.sessionId;
    const before = logLines.length;
    const codes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const viewer = await WireClient.connect({ url: gw.url, ticket: await gw.viewerTicket(sid), origin: gw.origin });
      viewer.sendRaw(Buffer.alloc(10 * 1024 * 1024, 0x61), true);
      codes.push((await viewer.closed).code);
    }
    expect(codes).toEqual(Array.from({ length: 20 }, () => CloseCode.MESSAGE_TOO_BIG));

    const lines = logLines.slice(before);
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(20);
    for (const w of warnings) {
      expect(w).toMatchObject({ code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', closeCode: CloseCode.MESSAGE_TOO_BIG });
      expect(JSON.stringify(w)).not.toContain('stack');
    }

    owner.type('echo still-$((6*7))\r');
    await owner.waitForText('still-42');
    await owner.close();
  }, 60_000);
});
