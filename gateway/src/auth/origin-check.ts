/**
 * Cross-site WebSocket hijacking guard: browsers send cookies and open sockets cross-origin, so the
 * upgrade is accepted only from the configured origins or from the gateway's own origin. Requests
 * without an Origin header are not from a browser page (CLI tools, SSH bridges) and carry no ambient
 * credentials, and the ticket still authenticates them, so they are allowed.
 */

export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[], secure: boolean): boolean {
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (allowed.includes('*')) return true;
  const normalized = parsed.origin;
  if (allowed.some((a) => a.replace(/\/+$/, '') === normalized)) return true;
  return host !== undefined && normalized === `${secure ? 'https' : 'http'}://${host}`;
}
