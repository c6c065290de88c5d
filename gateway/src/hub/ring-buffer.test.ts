import { describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer';

const frame = (seq: number, n: number) => ({ seq, data: new Uint8Array(n).fill(seq % 256) });

describe('RingBuffer', () => {
  it('returns exactly the frames after a seq, in order', () => {
    const ring = new RingBuffer(1000);
    for (let s = 1; s <= 5; s++) ring.push(frame(s, 10));
    expect(ring.since(2)?.map((f) => f.seq)).toEqual([3, 4, 5]);
    expect(ring.since(0)?.map((f) => f.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('returns an empty list for a client that is up to date', () => {
    const ring = new RingBuffer(1000);
    ring.push(frame(1, 10));
    expect(ring.since(1)).toEqual([]);
  });

  it('drops the oldest frames beyond its byte bound and reports the gap as null', () => {
    const ring = new RingBuffer(100);
    for (let s = 1; s <= 20; s++) ring.push(frame(s, 10));
    expect(ring.bytes).toBeLessThanOrEqual(100);
    expect(ring.oldestSeq).toBe(11);
    expect(ring.since(5)).toBeNull();
    expect(ring.since(10)?.map((f) => f.seq)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });

  it('answers null for a seq from the future (a client of another session incarnation)', () => {
    const ring = new RingBuffer(100);
    ring.push(frame(1, 1));
    expect(ring.since(7)).toBeNull();
  });

  it('keeps the newest frame even when it alone exceeds the bound', () => {
    const ring = new RingBuffer(10);
    ring.push(frame(1, 5));
    ring.push(frame(2, 50));
    expect(ring.oldestSeq).toBe(2);
    expect(ring.since(1)?.length).toBe(1);
  });

  it('refuses a frame whose seq does not follow the newest', () => {
    const ring = new RingBuffer(100);
    ring.push(frame(1, 1));
    expect(() => ring.push(frame(3, 1))).toThrow(/does not follow/);
  });

  it('stays bounded and correct across many compactions', () => {
    const ring = new RingBuffer(64);
    for (let s = 1; s <= 10_000; s++) ring.push(frame(s, 8));
    expect(ring.since(9992)?.map((f) => f.seq)).toEqual([9993, 9994, 9995, 9996, 9997, 9998, 9999, 10000]);
    expect(ring.bytesSince(9998)).toBe(16);
  });

  it('counts the objects of each frame too, so a stream of one-byte echoes holds a bounded number of frames', () => {
    const ring = new RingBuffer(64 * 1024, 192);
    for (let s = 1; s <= 100_000; s++) ring.push(frame(s, 1));
    expect(ring.length).toBeLessThanOrEqual(Math.floor((64 * 1024) / 193));
    expect(ring.latestSeq).toBe(100_000);
    expect(ring.since(ring.oldestSeq - 1)?.length).toBe(ring.length);
  });

  it('keeps its own copy of each frame and hands out copies, intact across the store wrapping around', () => {
    const ring = new RingBuffer(100);
    const sent: Uint8Array[] = [];
    for (let s = 1; s <= 37; s++) {
      const f = frame(s, 1 + (s % 13));
      sent.push(f.data.slice());
      ring.push(f);
      f.data.fill(0);
    }
    const held = ring.since(ring.oldestSeq - 1) ?? [];
    expect(held.map((f) => f.seq)).toEqual(Array.from({ length: ring.length }, (_, i) => ring.oldestSeq + i));
    for (const f of held) expect(f.data).toEqual(sent[f.seq - 1]);
    held[0].data.fill(0);
    expect(ring.since(ring.oldestSeq - 1)?.[0].data).toEqual(sent[ring.oldestSeq - 1]);
  });

  it('grows its store with the output, so a quiet session holds little', () => {
    const ring = new RingBuffer(2 * 1024 * 1024);
    ring.push(frame(1, 30));
    expect(ring.bytesSince(0)).toBe(30);
    expect(ring.bytesSince(5)).toBeNull();
  });
});
