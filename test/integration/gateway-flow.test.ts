/**
 * Flow control end to end. The gateway runs in a child process here so its memory is measured apart
 * from the clients flooding it.
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

/**
 * Resizes the owner's terminal and waits for the gateway's `size` broadcast. The gateway flushes the
 * output it has read before resizing and sends it on the same socket, so by then every output frame for
 * what it read from the shell has arrived: "nothing more" without waiting a fixed time.
 */
async function barrier(owner: WireClient, cols: number): Promise<void> {
  const sizes = owner.controlsOf('size').length;
  owner.sendControl({ type: 'resize', cols, rows: 24 });
  await owner.waitFor(`size ${cols}`, () => owner.controlsOf('size').length > sizes);
}

describe('gateway flow control', () => {
  it('pauses the shell when the owner stops acking and resumes with nothing lost when it acks again', async () => {
    const owner = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket(), origin: gw.origin });
    await owner.waitForText('$ ');
    owner.autoAck = false;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flow-'));
    const pidFile = path.join(dir, 'seq.pid');
    owner.type(`${writerCommand(pidFile, 'seq 1 300000')}; echo "do""ne"\r`);
    // With a window's worth unacknowledged the gateway must pause the shell: seq then blocks on its
    // terminal for good (had the gateway not paused, seq would finish).
    await owner.waitFor('a credit window of output', () => owner.outputBytes >= LIMITS.creditWindowBytes, 30_000);
    const seq = await blockedOrGone(pidFile, 'seq', 30_000);
    rmSync(dir, { recursive: true, force: true });
    await barrier(owner, 81);
    const stalledAt = owner.outputBytes;
    await barrier(owner, 80);
    // Bounded by the credit window plus what was already in flight when the limit hit.
    expect(owner.outputBytes).toBe(stalledAt);
    expect(stalledAt).toBeLessThan(LIMITS.creditWindowBytes + 128 * 1024);
    expect(owner.text).not.toContain('done');
    expect(seq).toBe('blocked');

    owner.resumeAcking();
    await owner.waitForText('done', 30_000);
    const numbers = owner.text.match(/^\d+\r$/gm)!.map((l) => Number(l.slice(0, -1)));
    expect(numbers.length).toBe(300000);
    expect(numbers.every((n, i) => n === i + 1)).toBe(true);
    expect(owner.seqErrors).toEqual([]);
    await owner.close();
  });

  it('a stalled viewer never stalls the owner and is resynced from the screen when it acks again', async () => {
    const owner = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket(), origin: gw.origin, keepText: true });
    const sid = owner.control('welcome')!.sessionId;
    await owner.waitForText('$ ');
    const viewer = await WireClient.connect({ url: gw.url, ticket: await gw.viewerTicket(sid), origin: gw.origin, autoAck: false });
    owner.type('seq 1 200000; echo "fin""ished"\r');
    await owner.waitForText('finished', 30_000);
    expect(viewer.outputBytes).toBeLessThan(LIMITS.creditWindowBytes + 64 * 1024);

    viewer.resumeAcking();
    await viewer.waitForText('finished', 10_000);
    expect(viewer.snapshots).toBeGreaterThanOrEqual(1);
    expect(viewer.text).toContain('200000');
    expect([...owner.seqErrors, ...viewer.seqErrors]).toEqual([]);
    await viewer.close();
    await owner.close();
  });

  it('viewers joining while output streams get the screen, then every later line exactly once', async () => {
    const owner = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket(), origin: gw.origin, keepText: false });
    const sid = owner.control('welcome')!.sessionId;
    await owner.waitFor('prompt', () => owner.tail.includes('$ '));
    owner.type('seq 1 150000; echo "str""eam-end"\r');
    const viewers: WireClient[] = [];
    for (const after of [20_000, 60_000, 100_000]) {
      await owner.waitFor(`line ${after}`, () => Number(owner.tail.match(/(\d+)\r\n/g)?.pop()?.slice(0, -2) ?? 0) >= after, 30_000);
      viewers.push(await WireClient.connect({ url: gw.url, ticket: await gw.viewerTicket(sid), origin: gw.origin }));
    }
    for (const v of viewers) {
      await v.waitForText('stream-end', 30_000);
      // Snapshot text (the screen and its scrollback) followed by live output: one unbroken count. A
      // snapshot taken between a line's \r and its \n ends with the cursor moved back (ESC [ n D).
      const numbers = [...v.text.matchAll(/(\d+)(?:\r|\x1b\[\d+D)\n/g)].map((m) => Number(m[1]));
      expect(v.snapshots).toBeGreaterThanOrEqual(1);
      expect(numbers.at(-1)).toBe(150000);
      const breaks = numbers.flatMap((n, i) => (i > 0 && n !== numbers[i - 1] + 1 ? [`${numbers[i - 1]} -> ${n}`] : []));
      expect(breaks).toEqual([]);
      expect(v.seqErrors).toEqual([]);
      await v.close();
    }
    await owner.close();
  });

  it('keeps gateway memory bounded during a 300 MB flood to a viewer whose socket is stalled', async () => {
    const before = await gw.stats();
    const owner = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket(), origin: gw.origin, keepText: false });
    const sid = owner.control('welcome')!.sessionId;
    const viewer = await WireClient.connect({ url: gw.url, ticket: await gw.viewerTicket(sid), origin: gw.origin, keepText: false });
    viewer.socket.pause();
    owner.type('yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 300000000; echo\r');
    let peak = before.rss;
    const target = 300_000_000;
    const deadline = Date.now() + 120_000;
    // Memory is sampled as the flood progresses (every 10 MB the owner receives), not on a clock.
    for (let at = 10_000_000; at <= target; at += 10_000_000) {
      await owner.waitFor(`${at} bytes of output`, () => owner.outputBytes >= at, Math.max(1, deadline - Date.now()));
      peak = Math.max(peak, (await gw.stats()).rss);
    }
    expect(owner.outputBytes).toBeGreaterThanOrEqual(target);
    expect(peak - before.rss).toBeLessThan(120 * MiB);
    viewer.socket.resume();
    expect(owner.seqErrors).toEqual([]);
    await viewer.close();
    await owner.close();
  }, 150_000);
});
