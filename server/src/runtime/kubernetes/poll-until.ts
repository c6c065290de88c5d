/**
 * The one wait loop of the Kubernetes runtime: polls until `check` returns a value, or throws an AppError
 * naming the resource and its last known state when the deadline passes. Errors from `check` end the
 * wait at once: they are decisions (a failed pod), not flakes, because kubeCall already made them AppErrors.
 */
import { AppError } from '../../errors/app-error';

export interface PollOptions {
  /** What is awaited, for the timeout message: "pod labs/lab-x Running". */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** The latest state seen, appended to the timeout message ("last seen: pending: unbound PVC"). */
  lastSeen?: () => string | undefined;
}

export async function pollUntil<T>(opts: PollOptions, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      const seen = opts.lastSeen?.();
      throw new AppError('RUNTIME_UNAVAILABLE', `timed out after ${opts.timeoutMs >= 1000 ? `${Math.round(opts.timeoutMs / 1000)} s` : `${opts.timeoutMs} ms`} waiting for ${opts.what}${seen ? ` (last seen: ${seen})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, Math.min(opts.intervalMs ?? 500, Math.max(0, deadline - Date.now()))));
  }
}
