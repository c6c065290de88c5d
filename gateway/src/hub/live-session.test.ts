import { describe, expect, it } from 'vitest';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { BackendEvents } from '../backends/backend-events';
import type { TerminalBackend, TerminalSize } from '../backends/terminal-backend';
import { FrameType, decodeServerFrame, type ServerControlMessage } from '../protocol/wire';
import type { ClientSink } from './client-sink';
import { LiveSession } from './live-session';

/**
 * A backend whose output the test writes, so output can be made to arrive at an exact moment (here:
 * while a viewer's screen snapshot is being taken). Nothing runs behind it.
 */
class ScriptedOutputBackend implements TerminalBackend {
  readonly kind = 'pty' as const;
  readonly writeBacklogBytes = 0;
  private readonly events = new BackendEvents();
  onData = this.events.onData.bind(this.events);
  onExit = this.events.onExit.bind(this.events);
  output(text: string): void {
    this.events.emitData(new TextEncoder().encode(text));
  }
  readonly sizes: TerminalSize[] = [];
  readonly written: string[] = [];
  write(data: Uint8Array): void {
    this.written.push(new TextDecoder().decode(data));
  }
  resize(size: TerminalSize): void {
    this.sizes.push(size);
  }
  pause(): void {}
  resume(): void {}
  async close(): Promise<void> {
    this.events.emitExit({ code: 0, signal: null });
  }
}

/** A viewer's connection that counts what it is sent and acks only when told. */
class CountingSink implements ClientSink {
  bufferedAmount = 0;
  outputBytes = 0;
  unacked = 0;
  /** The most ever sent and not yet acked: what the credit window bounds, at every moment. */
  maxUnacked = 0;
  frames = 0;
  snapshots = 0;
  seq = 0;
  text = '';
  readonly gaps: string[] = [];
  readonly controls: ServerControlMessage[] = [];

  sendFrame(frame: Uint8Array): void {
    const d = decodeServerFrame(frame);
    if (!d.ok) throw new Error(d.fault.message);
    const { type, seq, payload } = d.value;
    if (type === FrameType.snapshot) {
      this.snapshots++;
      this.text = new TextDecoder().decode(payload);
    } else {
      if (seq !== this.seq + 1) this.gaps.push(`${this.seq} -> ${seq}`);
      this.outputBytes += payload.byteLength;
      this.text += new TextDecoder().decode(payload);
    }
    this.unacked += payload.byteLength;
    this.maxUnacked = Math.max(this.maxUnacked, this.unacked);
    this.frames++;
    this.seq = seq;
  }
  sendControl(message: ServerControlMessage): void {
    this.controls.push(message);
  }
  close(): void {}
}

const WINDOW = 64 * 1024;

function scriptedSession(backend: ScriptedOutputBackend, creditWindowBytes?: number): LiveSession {
  return new LiveSession({
    id: 'term-1',
    ownerId: 'student-1',
    labInstanceId: 'instance-1',
    backend,
    size: { cols: 80, rows: 24 },
    recorder: null,
    creditWindowBytes,
    audit: () => {},
    onClientsChanged: () => {},
    onActivity: () => {},
    onOwnerPresence: () => {},
    onEnded: () => {},
  });
}

const STUDENT = { userId: 'student-1', name: 'Student', role: 'student' as const };
const TEACHER = { userId: 'teacher-1', name: 'Teacher', role: 'teacher' as const };
const key = (text: string) => new TextEncoder().encode(text);

describe('LiveSession', () => {
  it('an owner reattaching from a smaller window gives the terminal that size, in its welcome too', async () => {
    const backend = new ScriptedOutputBackend();
    const session = scriptedSession(backend);
    session.attach(STUDENT, 'owner', new CountingSink(), { cols: 151, rows: 36 }).detach();
    const phone = new CountingSink();
    session.attach(STUDENT, 'owner', phone, { cols: 42, rows: 32 });
    expect(backend.sizes.at(-1)).toEqual({ cols: 42, rows: 32 });
    expect(phone.controls.find((m) => m.type === 'welcome')).toMatchObject({ cols: 42, rows: 32 });
    await session.end(1000, 'test over');
  });

  it("a viewer's window never sets the size; with control, typing does, and revoking gives it back to the owner", async () => {
    const backend = new ScriptedOutputBackend();
    const session = scriptedSession(backend);
    const owner = session.attach(STUDENT, 'owner', new CountingSink(), { cols: 42, rows: 32 });
    const teacher = session.attach(TEACHER, 'viewer', new CountingSink(), { cols: 80, rows: 24 });
    teacher.control({ type: 'resize', cols: 160, rows: 40 });
    teacher.input(key('x'));
    expect(backend.sizes.at(-1)).toEqual({ cols: 42, rows: 32 });
    expect(backend.written).toEqual([]);

    owner.control({ type: 'grant-control', userId: TEACHER.userId });
    expect(backend.sizes.at(-1)).toEqual({ cols: 42, rows: 32 });
    teacher.input(key('l'));
    expect(backend.sizes.at(-1)).toEqual({ cols: 160, rows: 40 });
    expect(backend.written).toEqual(['l']);
    teacher.control({ type: 'resize', cols: 120, rows: 30 });
    expect(backend.sizes.at(-1)).toEqual({ cols: 120, rows: 30 });

    owner.input(key('s'));
    expect(backend.sizes.at(-1)).toEqual({ cols: 42, rows: 32 });
    teacher.input(key('l'));
    owner.control({ type: 'revoke-control', userId: TEACHER.userId });
    expect(backend.sizes.at(-1)).toEqual({ cols: 42, rows: 32 });
    await session.end(1000, 'test over');
  });

  it('a viewer resynced while output floods in gets no more than its credit, then the rest as it acks', async () => {
    const backend = new ScriptedOutputBackend();
    const session = scriptedSession(backend, WINDOW);
    backend.output('$ ');
    await waitFor('the prompt', () => session.latestSeq >= 1);

    const viewer = new CountingSink();
    const client = session.attach({ userId: 'teacher-1', name: 'Teacher', role: 'teacher' }, 'viewer', viewer, { cols: 80, rows: 24 });
    // Joining a session with output means a resync from the screen; this flood arrives while the
    // snapshot is being taken, so it is all in the ring after the snapshot's seq.
    const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i + 1}\r\n`).join('');
    backend.output(`${lines}end-marker\r\n`);
    await waitFor('the snapshot', () => viewer.snapshots === 1);
    expect(viewer.outputBytes).toBeLessThanOrEqual(WINDOW);

    // Each ack (of everything received) brings the next part: ring frames, or a new screen snapshot.
    for (let round = 0; round < 100 && !viewer.text.includes('end-marker'); round++) {
      const bytes = viewer.unacked;
      const frames = viewer.frames;
      viewer.unacked = 0;
      client.control({ type: 'ack', seq: viewer.seq, bytes });
      await waitFor(`output after ack ${round + 1}`, () => viewer.frames > frames);
    }
    expect(viewer.text).toContain('end-marker');
    // Never more than its credit in flight at any moment: before the first ack, or after any ack.
    expect(viewer.maxUnacked).toBeLessThanOrEqual(WINDOW);
    expect(viewer.gaps).toEqual([]);
    await session.end(1000, 'test over');
  });
});
