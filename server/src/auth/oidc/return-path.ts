/**
 * Where the browser goes after signing in: a path of this origin, never another site. The web app asks
 * for `/#/labs/…`-style paths; anything else (absolute URLs, `//host`, backslashes that browsers read as
 * slashes, control characters) falls back to `/`, so the sign-in routes cannot be used as an open redirect.
 */

const FALLBACK = '/';
const PROBE_ORIGIN = 'http://return-path.invalid';

export function safeReturnPath(input: unknown): string {
  if (typeof input !== 'string' || input.length === 0 || input.length > 512) return FALLBACK;
  if (!input.startsWith('/') || input.startsWith('//') || /[\\\s\u0000-\u001f\u007f]/.test(input)) return FALLBACK;
  let resolved: URL;
  try {
    resolved = new URL(input, PROBE_ORIGIN);
  } catch {
    return FALLBACK;
  }
  if (resolved.origin !== PROBE_ORIGIN) return FALLBACK;
  // The API's own routes are no place to land after signing in (and /api/auth/* would loop).
  if (resolved.pathname.startsWith('/api/')) return FALLBACK;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
