import { describe, expect, it } from 'vitest';
import { waitFor } from '@autolabs/server/infra/testing/wait-for';
import { BackendEvents } from '../backends/backend-events';
import type { TerminalBackend } from '../backends/terminal-backend';
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
  write(): void {}
  resize(): void {}
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

describe('LiveSession', () => {
  it('a viewer resynced while output floods in gets no more than its credit, then the rest as it acks', async () => {
    const backend = new ScriptedOutputBackend();
    const session = new LiveSession({
      id: 'term-1',
      ownerId: 'student-1',
      labInstanceId: 'instance-1',
      backend,
      size: { cols: 80, rows: 24 },
      recorder: null,
      creditWindowBytes: WINDOW,
      audit: () => {},
      onClientsChanged: () => {},
      onActivity: () => {},
      onOwnerPresence: () => {},
      onEnded: () => {},
    });
    backend.output('$ ');
    await waitFor('the prompt', () => session.latestSeq >= 1);

    const viewer = new CountingSink();
    const client = session.attach({ userId: 'teacher-1', name: 'Teacher', role: 'teacher' }, 'viewer', viewer);
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
