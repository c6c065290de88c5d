import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDirObjectStore } from '@autolabs/common/object-store/local-dir-object-store';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import type { VerifiedTicket } from '@autolabs/common/tickets/ticket';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { plainPtyOpener } from '../backends/backend-opener';
import { CloseCode, FrameType, decodeServerFrame, type ServerControlMessage } from '../protocol/wire';
import { bashTarget } from '../testing/test-tickets';
import type { ClientSink } from './client-sink';
import { SessionHub } from './session-hub';

/** A transport that keeps everything it is given, as a browser would render it. */
class CollectingSink implements ClientSink {
  text = '';
  seq = 0;
  snapshots = 0;
  frames = 0;
  controls: ServerControlMessage[] = [];
  closedWith: number | null = null;
  bufferedAmount = 0;
  /** Output frames whose seq did not follow the previous one. */
  gaps: string[] = [];
  private readonly decoder = new TextDecoder();

  sendFrame(frame: Uint8Array): void {
    const d = decodeServerFrame(frame);
    if (!d.ok) throw new Error(d.fault.message);
    this.frames++;
    if (d.value.type === FrameType.output && d.value.seq !== this.seq + 1) this.gaps.push(`${this.seq} -> ${d.value.seq}`);
    this.seq = d.value.seq;
    if (d.value.type === FrameType.snapshot) {
      this.snapshots++;
      this.text = this.decoder.decode(d.value.payload);
    } else this.text += this.decoder.decode(d.value.payload, { stream: true });
  }
  sendControl(message: ServerControlMessage): void {
    this.controls.push(message);
  }
  close(code: number): void {
    this.closedWith = code;
  }
}

const ticket = (claims: Partial<VerifiedTicket> = {}): VerifiedTicket => ({
  sub: 'student-1',
  name: 'Student',
  role: 'student',
  sid: randomUUID(),
  labInstanceId: 'instance-1',
  courseId: null,
  ownerId: 'student-1',
  mode: 'owner',
  target: bashTarget(),
  recording: false,
  jti: randomUUID(),
  exp: Math.floor(Date.now() / 1000) + 60,
  ...claims,
});
const viewerTicket = (sid: string) => ticket({ sid, sub: 'teacher-1', role: 'teacher', mode: 'viewer', target: undefined });
const size = { cols: 80, rows: 24 };

describe('SessionHub', () => {
  let dir: string;
  let store: MemorySessionStore;
  let hub: SessionHub;
  const start = async (graceSeconds = 900, heartbeatMs?: number) => {
    hub = new SessionHub({
      sessionStore: store,
      objectStore: new LocalDirObjectStore({ root: dir }),
      recordingsBucket: 'recordings',
      gatewayId: 'gw-test',
      graceSeconds,
      heartbeatMs,
      backends: plainPtyOpener,
      log: pino({ level: 'silent' }),
    });
    await hub.start();
  };
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-hub-'));
    store = new MemorySessionStore();
  });
  afterEach(async () => {
    await hub.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the shell for the grace period after the owner leaves, then ends it and removes its record', async () => {
    await start(0.3);
    const t = ticket();
    const sink = new CollectingSink();
    const client = await hub.attach(t, sink, size);
    client.detach();
    await waitFor('detached record', async () => (await store.get(t.sid))?.state === 'detached');
    expect(hub.session(t.sid)).toBeDefined();
    await waitFor('session ended', () => hub.session(t.sid) === undefined, 5000);
    await waitFor('record removed', async () => (await store.get(t.sid)) === null);
  });

  it('gives an owner who returns within the grace period the same shell, replaying only what it missed', async () => {
    await start(5);
    const t = ticket();
    const first = new CollectingSink();
    const c1 = await hub.attach(t, first, size);
    c1.input(new TextEncoder().encode('KEEP=me; echo one-$((0+1))\r'));
    await waitFor('one', () => first.text.includes('one-1'));
    c1.detach();
    const second = new CollectingSink();
    second.seq = first.seq;
    const c2 = await hub.attach({ ...t, jti: randomUUID() }, second, size, first.seq);
    expect(second.frames).toBe(0);
    c2.input(new TextEncoder().encode('echo "$KEEP"-again\r'));
    await waitFor('state kept', () => second.text.includes('me-again'));
    expect(second.text).not.toContain('one-1');
    expect(second.snapshots).toBe(0);
    expect([...first.gaps, ...second.gaps]).toEqual([]);
    expect(hub.size).toBe(1);
  });

  it('refuses a viewer for a session that is not live with NOT_FOUND', async () => {
    await start();
    await expect(hub.attach(viewerTicket(randomUUID()), new CollectingSink(), size)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refreshes the heartbeat of its sessions in the store', async () => {
    await start(900, 50);
    const t = ticket();
    await hub.attach(t, new CollectingSink(), size);
    const first = (await store.get(t.sid))!.heartbeatAt;
    await waitFor('newer heartbeat', async () => (await store.get(t.sid))!.heartbeatAt > first);
  });

  it('skips a viewer that stops acking while the owner keeps receiving, then catches it up without a gap', async () => {
    await start();
    const t = ticket();
    const owner = new CollectingSink();
    const o = await hub.attach(t, owner, size);
    await waitFor('prompt', () => owner.text.includes('$ '));
    const viewer = new CollectingSink();
    const v = await hub.attach(viewerTicket(t.sid), viewer, size);
    await waitFor('viewer synced', () => viewer.seq === owner.seq);
    // The owner acks as it goes; the viewer acks nothing.
    const ackOwner = setInterval(() => o.control({ type: 'ack', seq: owner.seq, bytes: 1 << 20 }), 5);
    o.input(new TextEncoder().encode('seq 1 100000; echo "fin""ished"\r'));
    await waitFor('owner finished', () => owner.text.includes('finished'), 20_000);
    clearInterval(ackOwner);
    expect(viewer.text).not.toContain('finished');
    v.control({ type: 'ack', seq: viewer.seq, bytes: 1 << 30 });
    await waitFor('viewer caught up', () => viewer.text.includes('finished'));
    expect(viewer.seq).toBe(owner.seq);
    expect(viewer.snapshots).toBeGreaterThanOrEqual(1);
    expect([...owner.gaps, ...viewer.gaps]).toEqual([]);
  });

  it('refuses to grant control to someone who is not watching', async () => {
    await start();
    const owner = new CollectingSink();
    const o = await hub.attach(ticket(), owner, size);
    o.control({ type: 'grant-control', userId: 'nobody' });
    expect(owner.controls.find((c) => c.type === 'error')).toMatchObject({ code: 'NOT_FOUND', field: 'userId' });
  });

  it('closes every client with the shutting-down code when the gateway closes', async () => {
    await start();
    const t = ticket();
    const owner = new CollectingSink();
    await hub.attach(t, owner, size);
    const viewer = new CollectingSink();
    await hub.attach(viewerTicket(t.sid), viewer, size);
    await hub.close();
    expect([owner.closedWith, viewer.closedWith]).toEqual([CloseCode.SHUTTING_DOWN, CloseCode.SHUTTING_DOWN]);
    expect(hub.size).toBe(0);
  });
});
