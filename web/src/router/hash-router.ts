/**
 * A small hash router: the app is static files, so `#/path` works behind any file server without a
 * fallback rule, and a reload keeps the page. Routes are matched by pattern (`/labs/:id`) in one table
 * (App.tsx), which is all the routing this app needs.
 */
import { useSyncExternalStore } from 'react';

export interface Route {
  path: string;
  query: URLSearchParams;
}

function readRoute(): Route {
  const raw = window.location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = raw.split('?', 2);
  return { path: path || '/', query: new URLSearchParams(search) };
}

let current = readRoute();
const listeners = new Set<() => void>();

window.addEventListener('hashchange', () => {
  current = readRoute();
  for (const l of listeners) l();
});

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, () => current);
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const hash = `#${to}`;
  if (opts.replace) window.location.replace(hash);
  else window.location.hash = hash;
}
