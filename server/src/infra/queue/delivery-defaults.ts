/** Delivery settings and helpers both job queue implementations share, so they behave alike. */
export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_PREFETCH = 1;

/** The text recorded with a dead letter. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
