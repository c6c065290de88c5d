import { useState } from 'react';
import { api, type RouterOutputs } from '../api/trpc';
import { describeError, type ShownError } from '../api/describe-error';
import { useLoad } from '../api/use-load';
import { useMe } from '../auth/AuthContext';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { PageHeader } from '../components/PageHeader';
import { StatusPill } from '../components/StatusPill';
import { Link } from '../router/Link';

/** Live terminals a teacher may watch (their courses) or an admin may watch and end (all). */
export function LiveSessionsPage() {
  const me = useMe();
  const sessions = useLoad(() => api.sessions.live.query(), [], { pollMs: 3000 });
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
            <th>Lab</th>
            <th>Course</th>
            <th>Connected by</th>
            <th>State</th>
            <th>Started</th>
            <th>Last activity</th>
            <th />
          </>
        }
        row={(s) => (
          <tr key={s.id} data-testid={`session-${s.id}`}>
            <td>
              {s.owner.displayName}
              {s.recording ? (
                <>
                  {' '}
                  <span className="badge-rec">REC</span>
                </>
              ) : null}
            </td>
            <td>{s.lab ? s.lab.title : '—'}</td>
            <td>{s.course ? s.course.code : '—'}</td>
            <td>{connectedBy(s.clients)}</td>
            <td>
              <StatusPill status={s.state} />
            </td>
            <td className="nowrap">{formatDate(new Date(s.createdAt))}</td>
            <td className="nowrap">{formatDate(new Date(s.lastActivityAt))}</td>
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

type SessionClient = RouterOutputs['sessions']['live'][number]['clients'][number];

/** The student's own doors (browser, ssh) and how many others watch: "browser, ssh · 1 watching". */
function connectedBy(clients: SessionClient[]): string {
  const doors = [...new Set(clients.filter((c) => c.mode === 'owner').map((c) => c.kind))].sort();
  const watching = clients.filter((c) => c.mode !== 'owner').length;
  const own = doors.length > 0 ? doors.join(', ') : 'nobody (detached)';
  return watching > 0 ? `${own} · ${watching} watching` : own;
}
