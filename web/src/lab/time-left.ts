/**
 * What the lab page says about the time a running lab has left. Pure (the clock is passed in), so the
 * countdown's wording and its warning are unit tests and the browser test can set the page's clock.
 */
export const WARN_BEFORE_MS = 10 * 60_000;

export interface TimeLeft {
  /** Whole seconds left, 0 once expired. */
  seconds: number;
  /** "1:05:09", "9:59", "0:00". */
  text: string;
  /** Within WARN_BEFORE_MS of the end (or past it). */
  warning: boolean;
  expired: boolean;
}

const two = (n: number) => String(n).padStart(2, '0');

export function timeLeft(expiresAt: string, now: number): TimeLeft {
  const ms = Date.parse(expiresAt) - now;
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const text = h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
  return { seconds, text, warning: ms <= WARN_BEFORE_MS, expired: ms <= 0 };
}

/** The warning's sentence: minutes rounded up, so "1 minute" is shown until the very end. */
export function expiryWarning(left: TimeLeft): string {
  if (left.expired) return 'Time is up: your lab is being stopped. Your files in your home directory are kept.';
  const minutes = Math.ceil(left.seconds / 60);
  return `Your lab stops in ${minutes} minute${minutes === 1 ? '' : 's'}. Save your work, or ask your teacher for more time.`;
}
