import { useQuery } from '@tanstack/react-query';
import { trpc } from '../api/query';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatBytes, formatDate, formatDuration } from '../components/format';
import { PageHeader } from '../components/PageHeader';
import { StatusPill } from '../components/StatusPill';
import { Link } from '../router/Link';

export function RecordingsPage() {
  const recordings = useQuery(trpc.recordings.list.queryOptions({}));
  return (
    <>
      <PageHeader title="Recordings" subtitle="Terminal sessions of labs with recording switched on." />
      <ErrorNote error={recordings.error} />
      <DataTable
        items={recordings.data}
        failed={Boolean(recordings.error)}
        what="recordings"
        empty="No recordings yet."
        head={
          <>
            <th>Student</th>
            <th>Lab</th>
            <th>Course</th>
            <th>Started</th>
            <th>Status</th>
            <th>Duration</th>
            <th>Size</th>
            <th />
          </>
        }
        row={(r) => (
          <tr key={r.id} data-testid={`recording-${r.id}`}>
            <td>{r.student}</td>
            <td>{r.lab}</td>
            <td>{r.course ?? '—'}</td>
            <td className="nowrap">{formatDate(r.startedAt)}</td>
            <td>{r.endedAt ? <StatusPill status="finished" /> : <span className="badge-rec">Recording</span>}</td>
            {/* Size and length are known once the session ends; the length is the replay's, pauses included. */}
            <td data-testid="recording-duration">{r.endedAt ? formatDuration(r.durationMs) : '—'}</td>
            <td>{r.endedAt ? formatBytes(r.bytes) : '—'}</td>
            <td className="actions">
              <Link to={`/recordings/${r.id}`} className="btn btn-small btn-primary">
                Replay
              </Link>
            </td>
          </tr>
        )}
      />
    </>
  );
}
