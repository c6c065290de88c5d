import { useMutation, useQuery } from '@tanstack/react-query';
import { trpc } from '../api/query';
import { api, type RouterOutputs } from '../api/trpc';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { saveFile } from '../components/save-file';
import { StatusPill } from '../components/StatusPill';

type Progress = RouterOutputs['progress']['get'];
type Row = Progress['rows'][number];
type Cell = Row['checks'][number];
type Run = NonNullable<Progress['run']>;

/**
 * A deployment's class progress, inside its card: each student's latest result per check (when, and how
 * many times the student checked themselves), "Run checks for the class" (progress.runChecks: the server
 * checks the running labs four at a time and stores each result as it comes, so the table is polled every
 * 1.5 s until the run is over) and "Download CSV" (progress.csv).
 */
export function DeploymentProgress({ deploymentId, label }: { deploymentId: string; label: string }) {
  const progress = useQuery(trpc.progress.get.queryOptions({ id: deploymentId }, { refetchInterval: (query) => (isRunning(query.state.data) ? 1500 : false) }));
  const data = progress.data;
  const running = isRunning(data);
  // Pending until the table has been asked again, so the button stays disabled into the run.
  const run = useMutation(trpc.progress.runChecks.mutationOptions({ onSettled: () => progress.refetch() }));
  const csv = useMutation({
    mutationFn: async () => {
      const file = await api.progress.csv.query({ id: deploymentId });
      saveFile(new Blob([file.csv], { type: 'text/csv;charset=utf-8' }), file.filename);
    },
  });
  const names = new Map((data?.rows ?? []).map((r) => [r.userId, r.displayName]));

  return (
    <section aria-label={`Progress of ${label}`} style={{ margin: '0.6rem 0' }}>
      <div className="row">
        <button
          type="button"
          className="btn btn-small btn-primary"
          disabled={run.isPending || running}
          onClick={() => run.mutate({ id: deploymentId })}
        >
          Run checks for the class
        </button>
        <button
          type="button"
          className="btn btn-small"
          disabled={csv.isPending}
          onClick={() => csv.mutate()}
        >
          Download CSV
        </button>
      </div>
      {data?.run ? <RunSummary run={data.run} names={names} /> : null}
      <ErrorNote error={run.error ?? csv.error ?? progress.error} />
      <DataTable
        items={data?.rows}
        failed={Boolean(progress.error)}
        what="progress"
        empty="No students in this deployment."
        label="Class progress"
        head={
          <>
            <th>Student</th>
            <th>Lab</th>
            {data?.checks.map((name) => <th key={name}>{name}</th>)}
          </>
        }
        row={(r) => (
          <tr key={r.userId}>
            <td>{r.displayName}</td>
            <td>{r.instanceStatus ? <StatusPill status={r.instanceStatus} /> : <span className="muted">no lab</span>}</td>
            {r.checks.map((cell, i) => (
              // Cells follow the lab's checks, whose order never changes for a deployment.
              <ProgressCell key={i} cell={cell} />
            ))}
          </tr>
        )}
      />
    </section>
  );
}

function ProgressCell({ cell }: { cell: Cell }) {
  const attempts = `${cell.attempts} ${cell.attempts === 1 ? 'attempt' : 'attempts'}`;
  if (cell.passed === null) {
    return (
      <td>
        <span className="muted">Not checked</span>
        <div className="muted">{attempts}</div>
      </td>
    );
  }
  return (
    <td>
      <span className={`pill ${cell.passed ? 'pill-success' : 'pill-failed'}`}>{cell.passed ? 'Passed' : 'Failed'}</span>
      <div className="muted nowrap">{formatDate(cell.lastRunAt)}</div>
      <div className="muted">{attempts}</div>
    </td>
  );
}

function RunSummary({ run, names }: { run: Run; names: Map<string, string> }) {
  const who = (ids: string[]) => ids.map((id) => names.get(id) ?? id.slice(0, 8)).join(', ');
  const done = run.finishedAt !== null;
  return (
    <div className={`note ${done ? 'note-ok' : 'note-info'}`} role="status">
      <strong>
        {done ? `Checks run for the class at ${formatDate(run.finishedAt)}: ` : 'Running the checks for the class: '}
        {run.checked} of {run.total} running {run.total === 1 ? 'lab' : 'labs'} checked
        {run.failed > 0 ? `, ${run.failed} could not be checked` : ''}.
      </strong>
      {run.notRunning.map((n) => (
        <div key={n.instanceId} className="muted">
          Not running, not checked: {who(n.userIds)} ({n.status})
        </div>
      ))}
    </div>
  );
}

function isRunning(p: Progress | undefined): boolean {
  return p !== undefined && p.run !== null && p.run.finishedAt === null;
}
