/**
 * The one wait loop of the Kubernetes runtime: polls until `check` returns a value, or throws an AppError
 * naming the resource and its last known state when the deadline passes. Errors from `check` end the
 * wait at once: they are decisions (a failed pod), not flakes, because kubeCall already made them
 * AppErrors; except transient ones (the apiserver unreachable or restarting, `isTransient`), which are
 * tried again until the deadline, and named in the timeout message if they last that long.
 */
import { AppError } from '@autolabs/common/errors/app-error';
import { isTransient } from './kube-errors';

export interface PollOptions {
  /** What is awaited, for the timeout message: "pod labs/lab-x Running". */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** The latest state seen, appended to the timeout message ("last seen: pending: unbound PVC"). */
  lastSeen?: () => string | undefined;
  /** Told of each transient failure that will be tried again (for progress messages). */
  onTransient?: (e: AppError) => void;
}

export async function pollUntil<T>(opts: PollOptions, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    // The last check's transient failure, if it had one: the timeout names it rather than an older state.
    let transient: AppError | undefined;
    const value = await check().catch((e: unknown) => {
      if (!isTransient(e)) throw e;
      transient = e as AppError;
      opts.onTransient?.(transient);
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      const seen = transient?.message ?? opts.lastSeen?.();
      throw new AppError('RUNTIME_UNAVAILABLE', `timed out after ${opts.timeoutMs >= 1000 ? `${Math.round(opts.timeoutMs / 1000)} s` : `${opts.timeoutMs} ms`} waiting for ${opts.what}${seen ? ` (last seen: ${seen})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, Math.min(opts.intervalMs ?? 500, Math.max(0, deadline - Date.now()))));
  }
}
