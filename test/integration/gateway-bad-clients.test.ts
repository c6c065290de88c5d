/**
 * Clients and programs that misbehave on the output path (issue 9's bad input): a client that acks more
 * than it got, one that resizes thousands of times in a burst, a program writing one enormous line. Each
 * keeps the gateway's memory bounded, and the session and its neighbours keep working. The gateway runs
 * in a child process so its memory is its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedOrGone, writerCommand } from '@autolabs/gateway/testing/blocked-writer';
import { startGatewayProcess, type GatewayProcess } from '@autolabs/gateway/testing/gateway-process';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { LIMITS } from '@autolabs/gateway/protocol/wire';

let gw: GatewayProcess;
beforeAll(async () => {
  gw = await startGatewayProcess();
});
afterAll(async () => {
  await gw.close();
});

const MiB = 1024 * 1024;

const owner = async (keepText = true) => {
  const c = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket(), origin: gw.origin, keepText });
  await c.waitFor('prompt', () => c.tail.includes('$ '));
  return c;
};

/** Resizes and waits for the gateway's `size` answer: everything the gateway read before it has arrived. */
async function barrier(c: WireClient, cols: number): Promise<void> {
  const sizes = c.controlsOf('size').length;
  c.sendControl({ type: 'resize', cols, rows: 24 });
  await c.waitFor(`size ${cols}`, () => c.controlsOf('size').length > sizes);
}

async function stillAlive(c: WireClient, tag: string): Promise<void> {
  c.type(`echo alive-${tag}-$((1+1))\r`);
  await c.waitFor(`alive-${tag}`, () => c.tail.includes(`alive-${tag}-2`), 30_000);
}

describe('gateway with misbehaving clients and programs', () => {
  it('gives a client that acks more than it received no extra credit: the shell still pauses at the first window', async () => {
    const c = await owner();
    c.autoAck = false;
    c.sendControl({ type: 'ack', seq: c.lastSeq, bytes: 0xffffffff });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'overack-'));
    const pidFile = path.join(dir, 'seq.pid');
    c.type(`${writerCommand(pidFile, 'seq 1 300000')}; echo "do""ne"\r`);
    await c.waitFor('a credit window of output', () => c.outputBytes >= LIMITS.creditWindowBytes, 30_000);
    const seq = await blockedOrGone(pidFile, 'seq', 30_000);
    rmSync(dir, { recursive: true, force: true });
    await barrier(c, 81);
    expect(seq).toBe('blocked');
    expect(c.outputBytes).toBeLessThan(LIMITS.creditWindowBytes + 128 * 1024);
    c.resumeAcking();
    await c.waitForText('done', 30_000);
    expect(c.seqErrors).toEqual([]);
    await c.close();
  });

  it('survives 2,000 resizes in a burst during output, with bounded memory; the last size holds for every client', async () => {
    const before = await gw.stats();
    const c = await owner(false);
    const sid = c.control('welcome')!.sessionId;
    const viewer = await WireClient.connect({ url: gw.url, ticket: await gw.viewerTicket(sid), origin: gw.origin, keepText: false });
    c.type('seq 1 200000 | head -c 5000000; echo "fl""ood-over"\r');
    for (let i = 0; i < 2000; i++) c.sendControl({ type: 'resize', cols: i % 2 === 0 ? 120 : 80, rows: i % 2 === 0 ? 40 : 24 });
    await c.waitFor('flood over', () => c.tail.includes('flood-over'), 60_000);
    await barrier(c, 100);
    const after = await gw.stats();
    expect(after.rss - before.rss).toBeLessThan(64 * MiB);
    await viewer.waitFor('size 100', () => viewer.controlsOf('size').at(-1)?.cols === 100);
    await stillAlive(c, 'resized');
    expect([...c.seqErrors, ...viewer.seqErrors]).toEqual([]);
    await viewer.close();
    await c.close();
  });

  it('carries a 200 MB line without a newline with bounded memory; a neighbour keeps echoing and a late viewer gets the screen', async () => {
    const neighbour = await owner();
    const before = await gw.stats();
    const c = await owner(false);
    const sid = c.control('welcome')!.sessionId;
    const watching = await WireClient.connect({ url: gw.url, ticket: await gw.viewerTicket(sid), origin: gw.origin, keepText: false });
    const target = 200_000_000;
    c.type(`head -c ${target} /dev/zero | tr '\\0' x; echo; echo "line-""done"\r`);
    let peak = before.rss;
    const deadline = Date.now() + 140_000;
    // Memory is sampled as the line goes by (every 20 MB the owner receives), not on a clock.
    for (let at = 20_000_000; at <= target; at += 20_000_000) {
      await c.waitFor(`${at} bytes`, () => c.outputBytes >= at, Math.max(1, deadline - Date.now()));
      peak = Math.max(peak, (await gw.stats()).rss);
      if (at === 100_000_000) await stillAlive(neighbour, 'mid-line');
    }
    await c.waitFor('line done', () => c.tail.includes('line-done'), 30_000);
    // Bounded, not a speed or size target (that is the benchmark's flood_rss_growth_mib): a gateway that kept
    // the line would grow by 200 MB or more; garbage collection lagging on a busy machine adds tens of MB.
    expect(peak - before.rss).toBeLessThan(128 * MiB);
    const late = await WireClient.connect({ url: gw.url, ticket: await gw.viewerTicket(sid), origin: gw.origin });
    await late.waitFor('a snapshot', () => late.snapshots > 0);
    expect(late.text).toContain('line-done');
    expect(late.text).toContain('xxxxxxxx');
    expect([...c.seqErrors, ...watching.seqErrors, ...late.seqErrors]).toEqual([]);
    await Promise.all([late.close(), watching.close(), c.close(), neighbour.close()]);
  }, 200_000);
});
