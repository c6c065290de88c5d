import { describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES } from '../protocol/wire';
import type { AttachedClient } from './client-roster';
import { CreditWindow } from './flow-control';
import { RingBuffer } from './ring-buffer';
import { catchUp, framesWithin, leftBehind } from './slow-viewers';

const WINDOW = 1000;

function client(role: 'owner' | 'viewer', over: { inflight?: number; buffered?: number; seq?: number; state?: AttachedClient['state'] } = {}): AttachedClient {
  const credit = new CreditWindow(WINDOW);
  credit.onSent(over.inflight ?? 0);
  return {
    id: 'c',
    who: { userId: 'u', name: 'U' },
    role,
    sink: { bufferedAmount: over.buffered ?? 0 },
    credit,
    size: { cols: 80, rows: 24 },
    seq: over.seq ?? 0,
    state: over.state ?? 'live',
    welcomed: true,
    lastRefusalAt: 0,
  } as unknown as AttachedClient;
}

/** A ring holding frames 1..n of `bytes` output each. */
function ring(n: number, bytes: number, maxBytes = 1 << 20): RingBuffer {
  const r = new RingBuffer(maxBytes);
  for (let seq = 1; seq <= n; seq++) r.push({ seq, data: new Uint8Array(FRAME_HEADER_BYTES + bytes) });
  return r;
}

describe('slow viewers', () => {
  it('leaves behind a viewer out of credit or whose socket holds twice its window, never the owner', () => {
    expect(leftBehind(client('viewer', { inflight: WINDOW }))).toBe(true);
    expect(leftBehind(client('viewer', { buffered: 2 * WINDOW + 1 }))).toBe(true);
    expect(leftBehind(client('viewer', { inflight: WINDOW - 1, buffered: 2 * WINDOW }))).toBe(false);
    expect(leftBehind(client('owner', { inflight: WINDOW, buffered: 10 * WINDOW }))).toBe(false);
  });

  it('lets a viewer left behind wait until it has acknowledged half its window', () => {
    expect(catchUp(client('viewer', { state: 'behind', inflight: WINDOW / 2 + 1 }), ring(3, 10))).toEqual({ kind: 'wait' });
    expect(catchUp(client('viewer', { state: 'live' }), ring(3, 10))).toEqual({ kind: 'wait' });
  });

  it('catches a viewer up from the ring when what it missed fits in half a window', () => {
    const plan = catchUp(client('viewer', { state: 'behind', seq: 1 }), ring(3, 10));
    expect(plan.kind).toBe('frames');
    expect(plan.kind === 'frames' && plan.frames.map((f) => f.seq)).toEqual([2, 3]);
  });

  it('resyncs from the screen when it missed more than half a window, or frames the ring dropped', () => {
    expect(catchUp(client('viewer', { state: 'behind', seq: 0 }), ring(20, 100))).toEqual({ kind: 'resync' });
    const small = ring(20, 10, 5 * (FRAME_HEADER_BYTES + 10));
    expect(catchUp(client('viewer', { state: 'behind', seq: 1 }), small)).toEqual({ kind: 'resync' });
  });

  it('sends after a snapshot only the frames whose output fits in the credit left', () => {
    const frames = ring(5, 100).since(0) ?? [];
    expect(framesWithin(frames, 250).map((f) => f.seq)).toEqual([1, 2]);
    expect(framesWithin(frames, 99)).toEqual([]);
  });
});
