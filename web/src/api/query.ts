/**
 * The web app's one query layer: TanStack Query holds what pages load from the API (loading, the last
 * answer, its error, polling, reloads after a change) and runs their mutations (pending, error), so no
 * page keeps its own busy/error state for a call. tRPC's integration names every query by its procedure
 * and input, and gives pages typed options:
 *
 *   useQuery(trpc.courses.list.queryOptions())                          // a list, loaded when shown
 *   useQuery(trpc.sessions.live.queryOptions(undefined, { refetchInterval: 3000 }))   // polled
 *   useMutation(trpc.courses.create.mutationOptions({ onSuccess: () => void courses.refetch() }))
 *   useChange(reload).mutate(() => api.hands.raise.mutate({ instanceId }))   // buttons sharing one state
 *
 * The defaults keep the app's rules: an answer is loaded when a page opens and not kept after it closes
 * (gcTime 0: reopening a page asks again), a failed call is shown at once (no retries; `ErrorNote` shows
 * the error through describeError), nothing reloads on focus or reconnect unless a page polls, polling
 * goes on in a background tab (a teacher's bell and a deployment's state stay current), and while a
 * query reloads the last answer stays on screen.
 */
import { QueryClient, useMutation } from '@tanstack/react-query';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import type { AppRouter } from '@autolabs/server/trpc/root';
import { api } from './trpc';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      gcTime: 0,
      retry: false,
      refetchOnWindowFocus: false,
      refetchOnReconnect: false,
      refetchIntervalInBackground: true,
    },
    mutations: { retry: false },
  },
});

export const trpc = createTRPCOptionsProxy<AppRouter>({ client: api, queryClient });

/**
 * A change that is not one procedure's (several buttons sharing one pending state and error, or a call
 * with work around it): `mutate(call)` runs the call; `after` runs once it has settled, done or refused.
 */
export function useChange(after?: () => void) {
  return useMutation({ mutationFn: (call: () => Promise<unknown>) => call(), onSettled: () => after?.() });
}
