import { useQuery } from '@tanstack/react-query';
import { trpc, useChange } from '../api/query';
import { api, type RouterOutputs } from '../api/trpc';
import { CollapsibleText } from '../components/Collapsible';
import { Empty } from '../components/Empty';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { StatusPill } from '../components/StatusPill';
import { Link } from '../router/Link';
import { LabSshCommand } from '../ssh/LabSshCommand';
import { SshPasswordPanel } from './SshPasswordPanel';

type MyAssignment = RouterOutputs['assignments']['mine'][number];

const LIVE = new Set(['pending', 'starting', 'running', 'stopping']);
const SETTLING = new Set(['pending', 'starting', 'stopping']);

/** Student home: every assignment of my courses with my lab for it, refreshed while anything changes. */
export function MyLabsPage() {
  const assignments = useQuery(
    trpc.assignments.mine.queryOptions(undefined, {
      // Every 1.5 s while a lab is changing state, every 5 s otherwise.
      refetchInterval: (query) => (query.state.data?.some((a) => a.instance && SETTLING.has(a.instance.status)) ? 1500 : 5000),
    }),
  );

  return (
    <>
      <PageHeader title="My labs" subtitle="Start a lab, open its terminal, stop it when you are done." />
      <ErrorNote error={assignments.error} />
      {assignments.data === undefined ? (
        assignments.error ? null : <Loading what="your labs" />
      ) : assignments.data.length === 0 ? (
        <Empty>No assignments yet. Your teacher will add labs to your courses.</Empty>
      ) : (
        <div className="lab-list">
          {assignments.data.map((a) => (
            <LabCard key={a.id} assignment={a} onChanged={() => void assignments.refetch()} />
          ))}
        </div>
      )}
    </>
  );
}

function LabCard({ assignment, onChanged }: { assignment: MyAssignment; onChanged: () => void }) {
  const change = useChange();
  const busy = change.isPending;
  const instance = assignment.instance;
  const live = instance ? LIVE.has(instance.status) : false;

  const act = (action: () => Promise<unknown>) => change.mutate(action, { onSuccess: onChanged });

  return (
    <article className="card lab-card" data-testid={`assignment-${assignment.id}`} aria-label={assignment.title}>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2>{assignment.title}</h2>
        <StatusPill status={instance?.status ?? 'not started'} title={instance?.statusReason ?? undefined} />
      </div>
      {assignment.description ? <CollapsibleText text={assignment.description} /> : null}
      <dl className="kv">
        <dt>Due</dt>
        <dd>{formatDate(assignment.dueAt)}</dd>
        {instance && instance.ownerUserId === null ? (
          <>
            <dt>Shared</dt>
            <dd>{instance.groupId ? 'with your group: each member gets their own terminal in it' : 'with the whole class'}</dd>
          </>
        ) : null}
        {instance?.startedAt ? (
          <>
            <dt>Started</dt>
            <dd>{formatDate(instance.startedAt)}</dd>
          </>
        ) : null}
        {instance?.expiresAt && live ? (
          <>
            <dt>Expires</dt>
            <dd>{formatDate(instance.expiresAt)}</dd>
          </>
        ) : null}
        {instance?.ssh && instance.status === 'running' ? (
          <>
            <dt>SSH</dt>
            <dd>
              <LabSshCommand ssh={instance.ssh} />
            </dd>
          </>
        ) : null}
      </dl>
      {instance?.status === 'failed' && instance.statusReason ? <div className="note note-error">{instance.statusReason}</div> : null}
      {instance?.status === 'starting' && instance.statusReason ? <div className="muted">{instance.statusReason}</div> : null}
      {instance?.status === 'running' && instance.statusReason ? (
        <div className="note note-error" role="status">
          {instance.statusReason}
        </div>
      ) : null}
      <ErrorNote error={change.error} />
      <div className="row">
        {!live ? (
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void act(() => api.instances.start.mutate({ assignmentId: assignment.id }))}>
            {instance ? 'Start again' : 'Start lab'}
          </button>
        ) : null}
        {instance?.status === 'running' ? (
          <Link to={`/terminal/${instance.id}`} className="btn btn-primary">
            Open terminal
          </Link>
        ) : null}
        {instance?.status === 'running' ? <SshPasswordPanel instanceId={instance.id} /> : null}
        {instance && (instance.status === 'pending' || instance.status === 'starting') ? <span className="muted">Starting your lab…</span> : null}
        {instance && live && instance.status !== 'stopping' ? (
          <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void act(() => api.instances.stop.mutate({ id: instance.id }))}>
            Stop
          </button>
        ) : null}
      </div>
    </article>
  );
}
