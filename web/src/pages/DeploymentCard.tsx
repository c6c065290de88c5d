import { useRef, useState } from 'react';
import { api, type RouterOutputs } from '../api/trpc';
import { describeError, type ShownError } from '../api/describe-error';
import { useLoad } from '../api/use-load';
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
  const [pace, setPace] = useState<'fast' | 'slow' | 'off'>(LIVE.has(deployment.status) ? 'fast' : 'off');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError>();
  const status = useLoad(
    async () => {
      if (!open) return undefined;
      const d = await api.deployments.status.query({ id: deployment.id });
      const changing = SETTLING.has(d.status) || d.instances.some((i) => SETTLING.has(i.status));
      setPace(changing ? 'fast' : LIVE.has(d.status) ? 'slow' : 'off');
      return d;
    },
    [deployment.id, open],
    { pollMs: !open || pace === 'off' ? undefined : pace === 'fast' ? 1500 : 5000 },
  );
  // A change of pace restarts the loader, which clears its data for a moment; keep the last answer on screen.
  const last = useRef<DeploymentStatus>(undefined);
  if (status.data) last.current = status.data;
  const view = open ? last.current : undefined;
  const current = view?.status ?? deployment.status;
  const label = names.lab(deployment.labConfigId, deployment.assignmentId);

  async function stop() {
    setBusy(true);
    setError(undefined);
    try {
      await api.deployments.stop.mutate({ id: deployment.id });
      setOpen(true);
      setPace('fast');
      status.reload();
      onChanged();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <article className="card" aria-label={`Deployment of ${label}`} data-testid={`deployment-${deployment.id}`}>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 style={{ margin: 0 }}>{label}</h2>
        <div className="row">
          <StatusPill status={current} />
          {LIVE.has(current) && current !== 'stopping' ? (
            <button type="button" className="btn btn-small btn-danger" disabled={busy} onClick={() => void stop()}>
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
      <ErrorNote error={error ?? status.error} />
      {open ? <InstanceTable instances={view?.instances} failed={Boolean(status.error)} names={names} onChanged={status.reload} /> : null}
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
