import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { Thumbnail } from '@autolabs/gateway/wall/wall-protocol';
import { trpc, useChange } from '../api/query';
import { api } from '../api/trpc';
import { Empty } from '../components/Empty';
import { ErrorNote } from '../components/ErrorNote';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { Link } from '../router/Link';
import { WallCard, type WallStudent } from '../wall/WallCard';
import { WallSocket, wallSocketUrl, type WallState } from '../wall/wall-socket';

/** How often the cards (state, activity, checks, hands) are asked for again. */
const POLL_MS = 5000;

/** Raised hands first (longest waiting first), then by name. */
function order(a: WallStudent, b: WallStudent): number {
  if (a.handRaisedAt && b.handRaisedAt) return a.handRaisedAt.localeCompare(b.handRaisedAt);
  if (a.handRaisedAt || b.handRaisedAt) return a.handRaisedAt ? -1 : 1;
  return (a.displayName || a.username).localeCompare(b.displayName || b.username);
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

const sidsOf = (students: WallStudent[]) =>
  students
    .flatMap((s) => (s.sessionId ? [s.sessionId] : []))
    .sort()
    .join(' ');

/**
 * The class wall (issue 10 point 3): every student of a deployment as a card with a live thumbnail of their
 * terminal (low-rate text snapshots from the gateway, not the stream), state, last activity, checks passed
 * and raised hands; one click opens the shadow view.
 */
export function ClassWallPage({ deploymentId }: { deploymentId: string }) {
  const wall = useQuery(trpc.wall.get.queryOptions({ id: deploymentId }, { refetchInterval: POLL_MS }));
  const [thumbs, setThumbs] = useState<Map<string, Thumbnail>>(new Map());
  const [state, setState] = useState<WallState>({ kind: 'connecting' });
  const [now, setNow] = useState(Date.now());
  const socket = useRef<WallSocket | null>(null);
  const watched = useRef('');
  const lower = useChange(() => void wall.refetch());
  const data = wall.data;
  const gatewayUrl = data?.gatewayUrl;

  // One socket per page; it asks the API for a fresh ticket whenever it (re)connects.
  useEffect(() => {
    if (gatewayUrl === undefined) return;
    const s = new WallSocket({
      url: wallSocketUrl(gatewayUrl, window.location),
      getTicket: async () => {
        const fresh = await api.wall.get.query({ id: deploymentId });
        watched.current = sidsOf(fresh.students);
        return fresh.ticket;
      },
      onThumb: (t) => setThumbs((m) => new Map(m).set(t.sid, t)),
      onState: setState,
    });
    socket.current = s;
    return () => {
      s.close();
      socket.current = null;
    };
  }, [deploymentId, gatewayUrl]);

  // Students came or went: watch the new set on the open socket.
  useEffect(() => {
    if (!data || state.kind !== 'live') return;
    const sids = sidsOf(data.students);
    if (sids === watched.current) return;
    watched.current = sids;
    socket.current?.watch(data.ticket);
  }, [data, state.kind]);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  if (!data) return wall.error ? <ErrorNote error={wall.error} /> : <Loading />;
  const students = [...data.students].sort(order);
  const hands = students.filter((s) => s.handRaisedAt).length;
  return (
    <div className="wall-page">
      <PageHeader
        title={`Class wall: ${data.lab.title}`}
        subtitle={
          <>
            {count(students.length, 'student')}, {count(students.filter((s) => s.live).length, 'terminal')} open{hands > 0 ? `, ${count(hands, 'hand')} raised` : ''}.{' '}
            <span role="status" data-testid="wall-state">
              {state.kind === 'live' ? `Screens refresh every ${Math.round(state.intervalMs / 1000)} s.` : state.kind === 'failed' ? `Thumbnails stopped: ${state.message}` : 'Connecting to the screens…'}
            </span>
          </>
        }
        actions={<Link to="/deployments">← Deployments</Link>}
      />
      <ErrorNote error={wall.error ?? lower.error} />
      {students.length === 0 ? (
        <Empty>No students in this deployment yet.</Empty>
      ) : (
        <div className="wall-grid">
          {students.map((s) => (
            <WallCard
              key={s.userId}
              student={s}
              thumb={s.sessionId ? thumbs.get(s.sessionId) : undefined}
              checks={data.checks}
              now={now}
              onLowerHand={() => lower.mutate(() => api.hands.lower.mutate({ instanceId: s.instanceId! }))}
            />
          ))}
        </div>
      )}
    </div>
  );
}
