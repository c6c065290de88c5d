/**
 * Reconnect delays: exponential growth with "equal jitter" (half fixed, half random), so a gateway restart
 * does not get every browser of a class reconnecting in the same millisecond, while no client waits
 * less than half its step.
 */
export interface BackoffPolicy {
  /** Delay before the first retry. */
  baseMs: number;
  /** Cap for any single delay. */
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 15_000, factor: 2 };

/** Delay before retry number `attempt` (0-based). `random` returns [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.baseMs * policy.factor ** Math.max(0, attempt));
  return Math.round(step / 2 + random() * (step / 2));
}
