import { describe, expect, it } from 'vitest';
import { TokenBucket, type BucketClock } from './token-bucket';

/** A clock whose sleeps move time forward at once, recording when each caller was let through. */
function fakeClock(): BucketClock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

describe('TokenBucket', () => {
  it('lets a burst through at once, then one request per 1/qps seconds, in order of arrival', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(2, 3, clock);
    const order: [number, number][] = [];
    await Promise.all(Array.from({ length: 7 }, (_, i) => bucket.take().then(() => order.push([i, clock.t]))));
    expect(order).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 500],
      [4, 1000],
      [5, 1500],
      [6, 2000],
    ]);
  });

  it('refills while idle, never above the burst', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, 2, clock);
    await Promise.all([bucket.take(), bucket.take()]);
    clock.t += 60_000;
    const times: number[] = [];
    await Promise.all(Array.from({ length: 3 }, () => bucket.take().then(() => times.push(clock.t))));
    expect(times).toEqual([60_000, 60_000, 60_100]);
  });

  it('refuses a limit that would let nothing through', () => {
    expect(() => new TokenBucket(0, 1)).toThrow('qps > 0');
    expect(() => new TokenBucket(5, 0)).toThrow('burst >= 1');
  });
});
