/**
 * The one tRPC client of the web app. Types come from the server's router (type-only import, so no server
 * code reaches the bundle). Plain JSON, no transformer, as the contract says; the session cookie rides
 * along (`credentials: 'include'`), so no token is ever kept in JavaScript. Answers that end the session
 * are reported to the AuthProvider, whichever page made the call.
 */
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@autolabs/server/trpc/root';
import { reportSessionEvent, sessionEventOf } from './session-events';

/** fetch with the cookie; an answer that ends the session or asks for a new password is reported (session-events.ts). */
async function fetchWithSession(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const res = await fetch(input, { ...init, credentials: 'include' });
  if (res.status === 401 || res.status === 403 || res.status === 207) {
    const event = sessionEventOf(await res.clone().json().catch(() => null));
    if (event) reportSessionEvent(event);
  }
  return res;
}

export const api = createTRPCClient<AppRouter>({
  links: [
    httpBatchLink({
      url: '/api/trpc',
      fetch: fetchWithSession,
    }),
  ],
});

export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;
