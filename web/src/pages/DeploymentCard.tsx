import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../api/query';
import type { RouterOutputs } from '../api/trpc';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { StatusPill } from '../components/StatusPill';
import { Link } from '../router/Link';
import { TimeRequestControl } from '../lab/TimeRequestControl';
import { DeploymentProgress } from './DeploymentProgress';

type DeploymentRow = RouterOutputs['deployments']['list'][number];
type DeploymentStatus = RouterOutputs['deployments']['status'];
type Instance = DeploymentStatus['instances'][number];

/** Display names for the ids a deployment carries; unknown ids fall back to a short id. */
export interface DeploymentNames {
  user(id: string): string;
  group(id: string): string;
  lab(labConfigId: string, assignmentId: string | null): string;
}

const LIVE = new Set(['pending', 'running', 'stopping']);
const SETTLING = new Set(['pending', 'starting', 'stopping']);

/**
 * One deployment with its instances. Instances are polled only while the card is open: every 1.5 s while
 * anything is changing state, every 5 s while it runs, not at all once it has ended.
 */
export function DeploymentCard({ deployment, names, onChanged }: { deployment: DeploymentRow; names: DeploymentNames; onChanged: () => void }) {
  const [open, setOpen] = useState(LIVE.has(deployment.status));
  const [progressOpen, setProgressOpen] = useState(false);
  const status = useQuery({
    ...trpc.deployments.status.queryOptions({ id: deployment.id }),
    enabled: open,
    refetchInterval: (query) => pollMsOf(query.state.data, deployment.status),
  });
  // Closed, the card shows the list's row; opened again, the last answer until the next one.
  const view = open ? status.data : undefined;
  const current = view?.status ?? deployment.status;
  const label = names.lab(deployment.labConfigId, deployment.assignmentId);
  const stop = useMutation(
    trpc.deployments.stop.mutationOptions({
      onSuccess: () => {
        setOpen(true);
        void status.refetch();
        onChanged();
      },
    }),
  );

  return (
    <article className="card" aria-label={`Deployment of ${label}`} data-testid={`deployment-${deployment.id}`}>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 style={{ margin: 0 }}>{label}</h2>
        <div className="row">
          <StatusPill status={current} />
          {LIVE.has(current) && current !== 'stopping' ? (
            <button type="button" className="btn btn-small btn-danger" disabled={stop.isPending} onClick={() => stop.mutate({ id: deployment.id })}>
              Stop deployment
            </button>
          ) : null}
        </div>
      </div>
      <dl className="kv" style={{ margin: '0.6rem 0' }}>
        <dt>Started</dt>
        <dd>{formatDate(deployment.createdAt)}</dd>
        <dt>Mode</dt>
        <dd>{deployment.mode.replace('_', ' ')}</dd>
        <dt>Instances</dt>
        <dd>{view?.instances.length ?? deployment.instanceCount}</dd>
        {deployment.stoppedAt || view?.stoppedAt ? (
          <>
            <dt>Stopped</dt>
            <dd>{formatDate(view?.stoppedAt ?? deployment.stoppedAt)}</dd>
          </>
        ) : null}
      </dl>
      <ErrorNote error={stop.error ?? status.error} />
      {open ? <InstanceTable instances={view?.instances} failed={Boolean(status.error)} names={names} onChanged={() => void status.refetch()} /> : null}
      <div className="row">
        <button type="button" className="link-button" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? 'Hide instances' : 'Show instances'}
        </button>
        <button type="button" className="link-button" onClick={() => setProgressOpen(!progressOpen)} aria-expanded={progressOpen}>
          {progressOpen ? 'Hide progress' : 'Progress'}
        </button>
        {LIVE.has(current) ? <Link to={`/deployments/${deployment.id}/wall`}>Class wall</Link> : null}
      </div>
      {progressOpen ? <DeploymentProgress deploymentId={deployment.id} label={label} /> : null}
    </article>
  );
}

/** Every 1.5 s while anything is changing state, every 5 s while it runs, not at all once it has ended. */
function pollMsOf(d: DeploymentStatus | undefined, listed: string): number | false {
  if (!d) return LIVE.has(listed) ? 1500 : false;
  const changing = SETTLING.has(d.status) || d.instances.some((i) => SETTLING.has(i.status));
  return changing ? 1500 : LIVE.has(d.status) ? 5000 : false;
}

function InstanceTable({ instances, failed, names, onChanged }: { instances: Instance[] | undefined; failed: boolean; names: DeploymentNames; onChanged: () => void }) {
  const ownerOf = (i: Instance) => (i.ownerUserId ? names.user(i.ownerUserId) : i.groupId ? `Group ${names.group(i.groupId)}` : 'Whole course (shared)');
  // Sorted by who it is for, so rows keep their place while statuses change.
  const rows = instances?.map((i) => ({ ...i, owner: ownerOf(i) })).sort((a, b) => a.owner.localeCompare(b.owner));
  return (
    // Keeps the "Hide instances" link below from touching the table.
    <div style={{ marginBottom: '0.5rem' }}>
      <DataTable
        items={rows}
        failed={failed}
        what="instances"
        empty="No instances."
        label="Instances"
        head={
          <>
            <th>For</th>
            <th>Status</th>
            <th>Started</th>
            <th>Stopped</th>
            <th>Ends</th>
          </>
        }
        row={(i) => (
          <tr key={i.id} data-testid={`instance-${i.id}`}>
            <td>{i.owner}</td>
            <td>
              <StatusPill status={i.status} title={i.statusReason ?? undefined} />
              {(i.status === 'failed' || i.status === 'running') && i.statusReason ? <div className="muted">{i.statusReason}</div> : null}
            </td>
            <td className="nowrap">{formatDate(i.startedAt)}</td>
            <td className="nowrap">{formatDate(i.stoppedAt)}</td>
            <td>
              <span className="nowrap">{i.status === 'running' ? formatDate(i.expiresAt) : '—'}</span>
              {i.status === 'running' && i.timeRequest?.status === 'pending' ? <TimeRequestControl request={i.timeRequest} onChanged={onChanged} /> : null}
            </td>
          </tr>
        )}
      />
    </div>
  );
}
