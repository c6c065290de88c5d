import { useEffect, useState } from 'react';
import { api } from '../api/trpc';
import { describeError, type ShownError } from '../api/describe-error';
import { useLoad } from '../api/use-load';
import { useMe } from '../auth/AuthContext';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { PageHeader } from '../components/PageHeader';
import { StatusPill } from '../components/StatusPill';
import { Link } from '../router/Link';

/**
 * Display names for the people in sessions. Session records carry only user ids; the course member lists
 * (which a teacher of the course may read) give the names. Loaded once per course seen.
 */
function useMemberNames(courseIds: (string | null)[]): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  const [loaded] = useState(() => new Set<string>());
  const key = [...new Set(courseIds.filter((c): c is string => c !== null))].sort().join(',');
  useEffect(() => {
    for (const courseId of key ? key.split(',') : []) {
      if (loaded.has(courseId)) continue;
      loaded.add(courseId);
      api.courses.members.query({ courseId }).then(
        (members) => setNames((n) => ({ ...n, ...Object.fromEntries(members.map((m) => [m.user.id, m.user.displayName])) })),
        () => loaded.delete(courseId),
      );
    }
  }, [key, loaded]);
  return names;
}

/** Live terminals a teacher may watch (their courses) or an admin may watch and end (all). */
export function LiveSessionsPage() {
  const me = useMe();
  const sessions = useLoad(() => api.sessions.live.query(), [], { pollMs: 3000 });
  const names = useMemberNames(sessions.data?.map((s) => s.courseId) ?? []);
  const [error, setError] = useState<ShownError>();

  async function kill(sessionId: string) {
    setError(undefined);
    try {
      await api.admin.killSession.mutate({ sessionId });
      sessions.reload();
    } catch (e) {
      setError(describeError(e));
    }
  }

  return (
    <>
      <PageHeader title="Live sessions" subtitle="Terminals open right now. Shadowing is read-only until the student allows typing." />
      <ErrorNote error={sessions.error ?? error} />
      <DataTable
        items={sessions.data}
        failed={Boolean(sessions.error)}
        what="sessions"
        empty="No live sessions."
        head={
          <>
            <th>Student</th>
            <th>State</th>
            <th>Watching</th>
            <th>Started</th>
            <th>Last input</th>
            <th />
          </>
        }
        row={(s) => (
          <tr key={s.id} data-testid={`session-${s.id}`}>
            <td>
              {names[s.ownerId] ?? s.ownerId}
              {s.recording ? (
                <>
                  {' '}
                  <span className="badge-rec">REC</span>
                </>
              ) : null}
            </td>
            <td>
              <StatusPill status={s.state} />
            </td>
            <td>{s.clients.filter((c) => c.mode !== 'owner').length}</td>
            <td className="nowrap">{formatDate(new Date(s.createdAt))}</td>
            <td>{s.lastInputAt ? formatDate(new Date(s.lastInputAt)) : '—'}</td>
            <td className="actions">
              <Link to={`/shadow/${s.id}`} className="btn btn-small btn-primary">
                Shadow
              </Link>
              {me.role === 'admin' ? (
                <button type="button" className="btn btn-small btn-danger" onClick={() => void kill(s.id)}>
                  End
                </button>
              ) : null}
            </td>
          </tr>
        )}
      />
    </>
  );
}
