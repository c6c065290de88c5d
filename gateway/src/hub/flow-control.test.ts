import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CreditWindow, OutputBatcher, PauseGate } from './flow-control';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('OutputBatcher', () => {
  let clock = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 1000;
  });
  afterEach(() => vi.useRealTimers());

  const make = (frames: string[]) =>
    new OutputBatcher({ coalesceMs: 3, maxFrameBytes: 8, quietMs: 3, interactiveBytes: 1, now: () => clock }, (f) => frames.push(text(f)));

  it('sends a lone keystroke echo immediately, without waiting for the coalescing timer', () => {
    const frames: string[] = [];
    make(frames).push(bytes('a'));
    expect(frames).toEqual(['a']);
  });

  it('coalesces a burst into one frame after the coalescing delay', () => {
    const frames: string[] = [];
    const b = make(frames);
    b.push(bytes('11'));
    b.push(bytes('22'));
    b.push(bytes('33'));
    expect(frames).toEqual(['11']);
    vi.advanceTimersByTime(3);
    expect(frames).toEqual(['11', '2233']);
  });

  it('sends fast successive keystroke echoes each at once (typing is never delayed)', () => {
    const frames: string[] = [];
    const b = make(frames);
    for (const ch of 'abc') {
      b.push(bytes(ch));
      clock += 0.5;
    }
    expect(frames).toEqual(['a', 'b', 'c']);
  });

  it('coalesces a small chunk that follows bulk output', () => {
    const frames: string[] = [];
    const b = make(frames);
    b.push(bytes('bulk'));
    b.push(bytes('x'));
    expect(frames).toEqual(['bulk']);
    vi.advanceTimersByTime(3);
    expect(frames).toEqual(['bulk', 'x']);
  });

  it('emits as soon as maxFrameBytes are pending and splits larger chunks', () => {
    const frames: string[] = [];
    const b = make(frames);
    b.push(bytes('xy'));
    b.push(bytes('abcdefghij'));
    expect(frames).toEqual(['xy', 'abcdefgh', 'ij']);
  });

  it('treats a chunk after a quiet spell as a new lone echo', () => {
    const frames: string[] = [];
    const b = make(frames);
    b.push(bytes('a'));
    clock += 50;
    b.push(bytes('b'));
    expect(frames).toEqual(['a', 'b']);
  });

  it('leaves headerBytes of room before each frame, and copies the output so the reader may reuse its chunk', () => {
    const frames: Uint8Array[] = [];
    const b = new OutputBatcher({ coalesceMs: 3, maxFrameBytes: 8, quietMs: 3, interactiveBytes: 1, headerBytes: 5, now: () => clock }, (f) => frames.push(f));
    const chunk = bytes('xy');
    b.push(chunk);
    b.push(bytes('abcdefghij'));
    chunk.fill(0);
    expect(frames.map((f) => f.byteLength)).toEqual([7, 13, 7]);
    expect(frames.map((f) => text(f.subarray(5)))).toEqual(['xy', 'abcdefgh', 'ij']);
  });

  it('loses no byte and keeps order across immediate, coalesced and split frames', () => {
    const frames: string[] = [];
    const b = make(frames);
    const input = 'the quick brown fox jumps over the lazy dog';
    for (let i = 0; i < input.length; i += 2) {
      b.push(bytes(input.slice(i, i + 2)));
      clock += 1;
      vi.advanceTimersByTime(1);
    }
    b.flush();
    expect(frames.join('')).toBe(input);
    expect(frames.every((f) => f.length <= 8)).toBe(true);
  });
});

describe('CreditWindow', () => {
  it('is exhausted once the unacknowledged bytes reach the window and recovers on ack', () => {
    const w = new CreditWindow(100);
    w.onSent(60);
    expect(w.exhausted).toBe(false);
    w.onSent(40);
    expect(w.exhausted).toBe(true);
    w.onAck(50);
    expect(w.inflight).toBe(50);
    expect(w.exhausted).toBe(false);
  });

  it('caps acks at what was sent so a client cannot buy credit in advance', () => {
    const w = new CreditWindow(100);
    w.onSent(10);
    w.onAck(1_000_000);
    w.onSent(100);
    expect(w.exhausted).toBe(true);
  });

  const adaptive = (clock: { t: number }) => new CreditWindow({ minBytes: 64, maxBytes: 4096, targetMs: 100, starvedMaxBytes: 1024, now: () => clock.t });

  /** Keeps the window full and acks `perMs` bytes each ms for `ms` (a client processing at that pace). */
  function drain(w: CreditWindow, clock: { t: number }, perMs: number, ms: number): void {
    for (let i = 0; i < ms; i++) {
      w.onSent(Math.max(0, w.windowBytes - w.inflight));
      clock.t += 1;
      w.onAck(perMs);
    }
  }

  it('grows to what a fast client processes in the target time, up to its maximum', () => {
    const clock = { t: 0 };
    const w = adaptive(clock);
    drain(w, clock, 20, 200);
    expect(w.windowBytes).toBe(2000);
    drain(w, clock, 100, 200);
    expect(w.windowBytes).toBe(4096);
  });

  it('shrinks again when the client slows down, never below its minimum', () => {
    const clock = { t: 0 };
    const w = adaptive(clock);
    drain(w, clock, 30, 200);
    expect(w.windowBytes).toBe(3000);
    drain(w, clock, 0.1, 2000);
    expect(w.windowBytes).toBe(64);
  });

  /**
   * A browser that draws a frame (`frameMs`) between batches: it takes all that was sent, is busy for
   * the frame, then processes it all at once and has nothing left (its last ack says idle when `idle`).
   */
  function drawFrames(w: CreditWindow, clock: { t: number }, frames: number, frameMs: number, idle: boolean): void {
    for (let i = 0; i < frames; i++) {
      const batch = w.windowBytes - w.inflight;
      w.onSent(batch);
      clock.t += frameMs;
      w.onAck(batch, idle);
    }
  }

  it('doubles the window of a client that runs dry while output is held back, up to starvedMaxBytes', () => {
    const clock = { t: 0 };
    const w = adaptive(clock);
    w.onSent(64);
    expect(w.exhausted).toBe(true);
    w.onAck(64, true);
    expect(w.windowBytes).toBe(128);
    w.onSent(128);
    w.onAck(128, true);
    expect(w.windowBytes).toBe(256);
    for (let i = 0; i < 5; i++) {
      w.onSent(w.windowBytes);
      w.onAck(w.windowBytes, true);
    }
    expect(w.windowBytes).toBe(1024);
  });

  it('does not grow for an idle client the window did not hold back (typing)', () => {
    const clock = { t: 0 };
    const w = adaptive(clock);
    for (let i = 0; i < 10; i++) {
      w.onSent(10);
      clock.t += 50;
      w.onAck(10, true);
    }
    expect(w.windowBytes).toBe(64);
  });

  it('grows for a client that draws a frame between batches when it says it ran dry, and stays at the minimum when it does not', () => {
    // Without idle acks each 100 ms frame moves one window: the pace measured is window / 100 ms, the
    // window it gives is the same window.
    const quiet = { t: 0 };
    const silent = adaptive(quiet);
    drawFrames(silent, quiet, 20, 100, false);
    expect(silent.windowBytes).toBe(64);
    const clock = { t: 0 };
    const w = adaptive(clock);
    drawFrames(w, clock, 20, 100, true);
    expect(w.windowBytes).toBe(1024);
  });

  it('stays at its minimum for a client that never acks, and is not grown by acks beyond what was sent', () => {
    const clock = { t: 0 };
    const w = adaptive(clock);
    w.onSent(64);
    clock.t += 1000;
    expect(w.windowBytes).toBe(64);
    expect(w.exhausted).toBe(true);
    w.onAck(1_000_000_000);
    expect(w.windowBytes).toBeLessThanOrEqual(4096);
    expect(w.inflight).toBe(0);
  });
});

describe('PauseGate', () => {
  it('pauses once for the first reason and resumes only when every reason is gone', () => {
    const calls: string[] = [];
    const gate = new PauseGate(
      () => calls.push('pause'),
      () => calls.push('resume'),
    );
    gate.set('owner-credit', true);
    gate.set('screen', true);
    gate.set('owner-credit', false);
    expect(calls).toEqual(['pause']);
    gate.set('screen', false);
    expect(calls).toEqual(['pause', 'resume']);
    gate.set('screen', false);
    expect(calls).toEqual(['pause', 'resume']);
  });
});
