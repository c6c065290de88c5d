/**
 * Runs periodic tasks on an interval, one run of a task at a time (a slow run delays the next instead of
 * overlapping it). A failing run is logged and retried next tick. Every task is idempotent, so several
 * worker replicas running the same tasks only repeat work, never corrupt it.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Disposable } from '@autolabs/common/disposable';

export interface PeriodicTask {
  name: string;
  run(): Promise<void>;
  /** Start a run at most this often (checked on each tick); default: every tick. */
  everyMs?: number;
}

export function schedulePeriodic(tasks: PeriodicTask[], intervalMs: number, log: FastifyBaseLogger, now: () => number = Date.now): Disposable {
  const running = new Map<string, Promise<void>>();
  const startedAt = new Map<string, number>();
  const tick = () => {
    for (const task of tasks) {
      if (running.has(task.name)) continue;
      const last = startedAt.get(task.name);
      if (task.everyMs !== undefined && last !== undefined && now() - last < task.everyMs) continue;
      startedAt.set(task.name, now());
      const run = task
        .run()
        .catch((err: unknown) => log.error({ err, task: task.name }, 'periodic task failed'))
        .finally(() => running.delete(task.name));
      running.set(task.name, run);
    }
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  let disposed = false;
  return {
    async dispose() {
      if (disposed) return;
      disposed = true;
      clearInterval(timer);
      await Promise.all(running.values());
    },
  };
}
