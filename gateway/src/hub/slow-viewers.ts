/**
 * What happens when a viewer falls behind. The owner's unacknowledged bytes pause the backend
 * (flow-control.ts); a viewer (a teacher shadowing) must never do that, nor make the gateway hold
 * output for it. So a viewer past its credit, or whose socket still buffers twice its window, is left
 * behind: output is no longer sent to it. When it has acknowledged half its window again it catches up:
 * from the ring, when what it missed is still there and fits in half a window; else from the screen
 * (a snapshot, LiveSession.resync), which costs one screen however much it missed.
 */
import { FRAME_HEADER_BYTES } from '../protocol/wire';
import type { AttachedClient } from './client-roster';
import type { OutputFrame, RingBuffer } from './ring-buffer';

/** True when output should stop going to this live client: a viewer that cannot keep up. */
export function leftBehind(c: AttachedClient): boolean {
  return c.role === 'viewer' && (c.credit.exhausted || c.sink.bufferedAmount > 2 * c.credit.windowBytes);
}

/** How a viewer left behind catches up after an ack: not yet, by the frames it missed, or from the screen. */
export type CatchUp = { kind: 'wait' } | { kind: 'frames'; frames: OutputFrame[] } | { kind: 'resync' };

export function catchUp(c: AttachedClient, ring: RingBuffer): CatchUp {
  if (c.state !== 'behind' || c.credit.inflight > c.credit.windowBytes / 2) return { kind: 'wait' };
  const missed = ring.bytesSince(c.seq);
  if (missed !== null && missed <= c.credit.windowBytes / 2) return { kind: 'frames', frames: ring.since(c.seq) ?? [] };
  return { kind: 'resync' };
}

/** The first frames whose output fits in `budget` bytes (what a viewer's credit allows after a snapshot). */
export function framesWithin(frames: OutputFrame[], budget: number): OutputFrame[] {
  let used = 0;
  let n = 0;
  while (n < frames.length && used + frames[n].data.byteLength - FRAME_HEADER_BYTES <= budget) {
    used += frames[n].data.byteLength - FRAME_HEADER_BYTES;
    n++;
  }
  return frames.slice(0, n);
}
