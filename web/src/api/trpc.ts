/**
 * The one tRPC client of the web app. Types come from the server's router (type-only import, so no server
 * code reaches the bundle). Plain JSON, no transformer, as the contract says; the session cookie rides
 * along (`credentials: 'include'`), so no token is ever kept in JavaScript.
 */
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@autolabs/server/trpc/root';

export const api = createTRPCClient<AppRouter>({
  links: [
    httpBatchLink({
      url: '/api/trpc',
      fetch: (input, init) => fetch(input, { ...init, credentials: 'include' }),
    }),
  ],
});

export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;
