import { useQuery } from '@tanstack/react-query';
import { trpc, useChange } from '../api/query';
import { api } from '../api/trpc';
import { ErrorNote } from '../components/ErrorNote';

const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * "Raise hand" on the running lab (hands.raise): the course's teachers are told and can shadow the
 * terminal. While the hand is up it says so, with "Lower hand"; polled, so a teacher lowering it shows.
 */
export function RaiseHand({ instanceId }: { instanceId: string }) {
  const state = useQuery(trpc.hands.get.queryOptions({ instanceId }, { refetchInterval: 10_000 }));
  const change = useChange(() => void state.refetch());
  const busy = change.isPending;
  const hand = state.data?.hand;

  return (
    <div className="raise-hand" data-testid="raise-hand">
      {hand ? (
        <>
          <span className="muted" role="status">
            Hand raised at {clock(hand.raisedAt)}; your teacher has been told.
          </span>
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => change.mutate(() => api.hands.lower.mutate({ instanceId }))}>
            Lower hand
          </button>
        </>
      ) : (
        <button type="button" className="btn btn-small" disabled={busy || !state.data} onClick={() => change.mutate(() => api.hands.raise.mutate({ instanceId }))}>
          {busy ? 'Raising…' : 'Raise hand'}
        </button>
      )}
      <ErrorNote error={change.error} />
    </div>
  );
}
