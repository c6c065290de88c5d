/** Pure route matching, kept apart from the router's window listeners so it can be unit-tested. */
/** Returns the named parameters when `path` matches `pattern` (`/labs/:id`), otherwise null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(got[i]);
    else if (w !== got[i]) return null;
  }
  return params;
}
