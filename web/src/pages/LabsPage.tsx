import { api } from '../api/trpc';
import { useLoad } from '../api/use-load';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { PageHeader } from '../components/PageHeader';
import { Link } from '../router/Link';
import { LabUploadForm } from './LabUploadForm';

export function LabsPage() {
  const labs = useLoad(() => api.labs.list.query(), []);
  const courses = useLoad(() => api.courses.list.query(), []);
  return (
    <>
      <PageHeader title="Lab configs" subtitle="Each upload of a lab name is a new version; assignments point at one version." />
      <div className="grid-2">
        <section>
          <ErrorNote error={labs.error} />
          <DataTable
            items={labs.data}
            failed={Boolean(labs.error)}
            what="labs"
            empty="No lab configs yet. Upload one."
            head={
              <>
                <th>Lab</th>
                <th>Name</th>
                <th>Version</th>
                <th>Recording</th>
                <th>Uploaded</th>
              </>
            }
            row={(l) => (
              <tr key={l.id}>
                <td>
                  <Link to={`/labs/${l.id}`}>{l.title}</Link>
                </td>
                <td className="mono">{l.name}</td>
                <td>v{l.version}</td>
                <td>{l.recording ? <span className="badge-rec">REC</span> : <span className="muted">off</span>}</td>
                <td className="nowrap">{formatDate(l.createdAt)}</td>
              </tr>
            )}
          />
        </section>
        <LabUploadForm courses={courses.data ?? []} onUploaded={labs.reload} />
      </div>
    </>
  );
}
