import { useMutation, useQuery } from '@tanstack/react-query';
import { trpc } from '../api/query';
import type { RouterOutputs } from '../api/trpc';
import { useMe } from '../auth/AuthContext';
import { useConfirm } from '../components/ConfirmDialog';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { PageHeader } from '../components/PageHeader';
import { StatusPill } from '../components/StatusPill';
import { Link } from '../router/Link';

/** Live terminals a teacher may watch (their courses) or an admin may watch and end (all). */
export function LiveSessionsPage() {
  const me = useMe();
  const sessions = useQuery(trpc.sessions.live.queryOptions(undefined, { refetchInterval: 3000 }));
  const end = useMutation(trpc.admin.killSession.mutationOptions({ onSuccess: () => void sessions.refetch() }));
  const { confirm, dialog } = useConfirm();

  async function kill(s: Session) {
    end.reset();
    const where = s.lab ? ` in ${s.lab.title}` : '';
    const confirmed = await confirm({
      title: `End ${s.owner.displayName}'s terminal?`,
      message: `The shell${where} stops now and everyone connected to it is disconnected; anything running in it is ended. The lab itself keeps running.`,
      confirmLabel: 'End session',
    });
    if (confirmed) end.mutate({ sessionId: s.id });
  }

  return (
    <>
      <PageHeader title="Live sessions" subtitle="Terminals open right now. Shadowing is read-only until the student allows typing." />
      <ErrorNote error={sessions.error ?? end.error} />
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
                <button type="button" className="btn btn-small btn-danger" onClick={() => void kill(s)} aria-label={`End ${s.owner.displayName}'s session`}>
                  End
                </button>
              ) : null}
            </td>
          </tr>
        )}
      />
      {dialog}
    </>
  );
}

type Session = RouterOutputs['sessions']['live'][number];
type SessionClient = Session['clients'][number];

/** The student's own doors (browser, ssh) and how many others watch: "browser, ssh · 1 watching". */
function connectedBy(clients: SessionClient[]): string {
  const doors = [...new Set(clients.filter((c) => c.mode === 'owner').map((c) => c.kind))].sort();
  const watching = clients.filter((c) => c.mode !== 'owner').length;
  const own = doors.length > 0 ? doors.join(', ') : 'nobody (detached)';
  return watching > 0 ? `${own} · ${watching} watching` : own;
}
