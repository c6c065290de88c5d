import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../infra/database/testing/silent-logger';
import { schedulePeriodic } from './scheduler';

afterEach(() => {
  vi.useRealTimers();
});

describe('schedulePeriodic', () => {
  it('runs a task with everyMs at most that often, and the others on every tick', async () => {
    vi.useFakeTimers();
    const runs = { everyTick: 0, everyFive: 0 };
    const periodic = schedulePeriodic(
      [
        { name: 'every-tick', run: async () => void (runs.everyTick += 1) },
        { name: 'every-five', run: async () => void (runs.everyFive += 1), everyMs: 5 * 60_000 },
      ],
      60_000,
      silentLogger(),
    );
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await periodic.dispose();
    // Ticks at 1..10 minutes; the five-minute task starts at minute 1 and again at minute 6.
    expect(runs).toEqual({ everyTick: 10, everyFive: 2 });
  });
});
