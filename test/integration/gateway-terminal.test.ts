/**
 * The gateway end to end: a real `ws` client, the fastify gateway plugin on port 0, the in-memory
 * session store, a directory object store and a real local PTY running `bash --norc`.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AUDIT_CHANNEL, RECORDING_CHANNEL, SESSION_CONTROL_CHANNEL } from '@autolabs/common/session-store/session-store';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { startGateway, type GatewayFixture } from '@autolabs/gateway/testing/gateway-fixture';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { CloseCode } from '@autolabs/gateway/protocol/wire';

let gw: GatewayFixture;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

const connect = (ticket: string, extra: { resumeFrom?: number; autoAck?: boolean; cols?: number } = {}) =>
  WireClient.connect({ url: gw.url, ticket, origin: gw.origin, ...extra });

describe('gateway terminal', () => {
  it('echoes a typed command through the PTY and tells the owner it is read-write', async () => {
    const owner = await connect(await gw.ownerTicket());
    expect(owner.control('welcome')).toMatchObject({ mode: 'owner', readOnly: false, recording: false, v: 1 });
    owner.type('echo round-$((20+22))-trip\r');
    await owner.waitForText('round-42-trip');
    expect(owner.seqErrors).toEqual([]);
    await owner.close();
  });

  it('resumes after a cut: every line exactly once, shell state intact', async () => {
    const sid = randomUUID();
    const first = await connect(await gw.ownerTicket({ sid }));
    first.type('MARK=kept; for i in $(seq 1 200); do echo "line-$i"; sleep 0.005; done\r');
    await first.waitForText('line-50');
    first.socket.terminate();
    const resumeFrom = first.lastSeq;
    const before = first.text;

    const second = await connect(await gw.ownerTicket({ sid }), { resumeFrom });
    expect(second.snapshots).toBe(0);
    await second.waitFor('line-200', () => /line-200\r\n/.test(before + second.text));
    expect(second.text).not.toBe('');
    second.type('echo "state=$MARK"\r');
    await second.waitForText('state=kept');
    const all = before + second.text;
    for (let i = 1; i <= 200; i++) {
      expect(all.match(new RegExp(`^line-${i}\\r$`, 'gm'))?.length, `line-${i}`).toBe(1);
    }
    expect([...first.seqErrors, ...second.seqErrors]).toEqual([]);
    await second.close();
  });

  it('resyncs a resuming client from the screen when its seq is no longer in the ring', async () => {
    const sid = randomUUID();
    const first = await connect(await gw.ownerTicket({ sid }));
    first.type('echo start\r');
    await first.waitForText('start');
    first.socket.terminate();
    const second = await connect(await gw.ownerTicket({ sid }), { resumeFrom: 999_999 });
    await second.waitFor('resync', () => second.snapshots === 1);
    expect(second.control('resync')?.seq).toBe(second.control('welcome')?.seq);
    expect(second.text).toContain('start');
    second.type('echo after\r');
    await second.waitForText('after');
    expect(second.seqErrors).toEqual([]);
    await second.close();
  });

  it('viewer that joins late receives the current screen once, then live output without duplicates', async () => {
    const owner = await connect(await gw.ownerTicket());
    const sid = owner.control('welcome')!.sessionId;
    await owner.waitForText('$ ');
    owner.type('echo before-viewer\r');
    await owner.waitForText(/before-viewer[\s\S]*before-viewer[\s\S]*\$ /);
    const viewer = await connect(await gw.viewerTicket(sid));
    expect(viewer.control('welcome')).toMatchObject({ mode: 'viewer', readOnly: true });
    await viewer.waitFor('snapshot', () => viewer.snapshots === 1);
    expect(viewer.text.match(/before-viewer/g)?.length).toBe(2);
    owner.type('echo live-$((6*7))\r');
    await viewer.waitForText('live-42');
    expect(viewer.text.match(/before-viewer/g)?.length).toBe(2);
    expect(viewer.seqErrors).toEqual([]);
    expect(viewer.snapshots).toBe(1);
    await viewer.close();
    await owner.close();
  });

  it("viewer sees the owner's typing, its input is refused until control is granted, then revoked again", async () => {
    const audit: unknown[] = [];
    const sub = await gw.sessionStore.subscribe(AUDIT_CHANNEL, (m) => audit.push(m));
    const owner = await connect(await gw.ownerTicket());
    const sid = owner.control('welcome')!.sessionId;
    const viewer = await connect(await gw.viewerTicket(sid));
    await owner.waitFor('viewer listed', () => owner.controlsOf('viewers').some((v) => v.viewers.some((x) => x.mode === 'viewer')));

    owner.type('echo owner-typed\r');
    await viewer.waitForText('owner-typed');

    viewer.type('echo viewer-sneaks-in\r');
    await viewer.waitFor('refusal', () => viewer.control('error') !== undefined);
    expect(viewer.control('error')).toMatchObject({ code: 'FORBIDDEN', field: 'input' });

    owner.sendControl({ type: 'grant-control', userId: 'teacher-1' });
    await viewer.waitFor('control granted', () => viewer.controlsOf('control-changed').some((c) => c.controlGrantedTo.includes('teacher-1')));
    viewer.type('echo viewer-$((1+1))-typed\r');
    await owner.waitForText('viewer-2-typed');
    expect(owner.text).not.toContain('viewer-sneaks-in');

    owner.sendControl({ type: 'revoke-control', userId: 'teacher-1' });
    await viewer.waitFor('control revoked', () => viewer.controlsOf('control-changed').at(-1)?.controlGrantedTo.length === 0);
    const errorsBefore = viewer.controlsOf('error').length;
    // Refusals are sent at most once a second per client; move the clock past that instead of waiting.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    try {
      vi.setSystemTime(Date.now() + 1100);
      viewer.type('echo after-revoke\r');
      await viewer.waitFor('second refusal', () => viewer.controlsOf('error').length > errorsBefore);
    } finally {
      vi.useRealTimers();
    }

    await waitFor('audit entries', () => audit.length >= 2);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actorId: 'student-1', action: 'terminal.control.grant', targetId: sid, detail: { userId: 'teacher-1' } }),
        expect.objectContaining({ actorId: 'student-1', action: 'terminal.control.revoke', targetId: sid }),
      ]),
    );
    await sub.dispose();
    await viewer.close();
    await owner.close();
  });

  it('registers the session in the store with owner, clients and gateway, and removes it when the shell exits', async () => {
    const owner = await connect(await gw.ownerTicket());
    const sid = owner.control('welcome')!.sessionId;
    const record = await gw.sessionStore.get(sid);
    expect(record).toMatchObject({ id: sid, ownerId: 'student-1', labInstanceId: 'instance-1', state: 'live' });
    expect(record?.clients).toEqual([expect.objectContaining({ userId: 'student-1', mode: 'owner' })]);
    owner.type('exit 3\r');
    const closed = await owner.closed;
    expect(closed.code).toBe(CloseCode.SESSION_ENDED);
    expect(owner.control('exit')).toEqual({ type: 'exit', code: 3, signal: null });
    await waitFor('session record removed', async () => (await gw.sessionStore.get(sid)) === null);
  });

  it('ends a session killed by an administrator: clients closed with the killed code', async () => {
    const owner = await connect(await gw.ownerTicket());
    const sid = owner.control('welcome')!.sessionId;
    const viewer = await connect(await gw.viewerTicket(sid));
    await gw.sessionStore.publish(SESSION_CONTROL_CHANNEL, { type: 'kill', sessionId: sid, by: 'admin-1' });
    expect((await owner.closed).code).toBe(CloseCode.KILLED_BY_ADMIN);
    expect((await viewer.closed).code).toBe(CloseCode.KILLED_BY_ADMIN);
    const again = await connect(await gw.viewerTicket(sid));
    expect((await again.closed).code).toBe(CloseCode.SESSION_NOT_FOUND);
  });

  it('records the session as asciicast chunks and announces start and finish', async () => {
    const announced: { type: string; prefix: string; bytes: number }[] = [];
    const sub = await gw.sessionStore.subscribe(RECORDING_CHANNEL, (m) => announced.push(m as (typeof announced)[number]));
    const owner = await connect(await gw.ownerTicket({ recording: true }), { cols: 100 });
    expect(owner.control('welcome')?.recording).toBe(true);
    owner.type('echo recorded-$((3*3))\r');
    await owner.waitForText('recorded-9');
    owner.sendControl({ type: 'resize', cols: 120, rows: 30 });
    await owner.waitFor('size', () => owner.control('size') !== undefined);
    owner.type('exit\r');
    await owner.closed;
    await waitFor('recording finished', () => announced.some((a) => a.type === 'finished'));
    const finished = announced.find((a) => a.type === 'finished')!;
    expect(announced.map((a) => a.type)).toEqual(['started', 'finished']);
    const keys = (await gw.objectStore.list(gw.recordingsBucket, finished.prefix)).map((o) => o.key);
    const cast = (await Promise.all(keys.map((k) => gw.objectStore.get(gw.recordingsBucket, k)))).join('');
    expect(Buffer.byteLength(cast)).toBe(finished.bytes);
    const [header, ...events] = cast.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(header).toMatchObject({ version: 2, width: 100, height: 24 });
    expect(events.filter((e) => e[1] === 'o').map((e) => e[2]).join('')).toContain('recorded-9');
    expect(events.some((e) => e[1] === 'r' && e[2] === '120x30')).toBe(true);
    await sub.dispose();
  });

  it('closes a second connection of the same owner as superseded and keeps the newer one working', async () => {
    const sid = randomUUID();
    const first = await connect(await gw.ownerTicket({ sid }));
    const second = await connect(await gw.ownerTicket({ sid }));
    expect((await first.closed).code).toBe(CloseCode.SUPERSEDED);
    second.type('echo still-here\r');
    await second.waitForText('still-here');
    await second.close();
  });
});
