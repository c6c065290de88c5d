import { api } from '../api/trpc';
import { useLoad } from '../api/use-load';
import { Empty } from '../components/Empty';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { Loading } from '../components/Loading';
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
          {labs.data === undefined ? (
            labs.error ? null : <Loading what="labs" />
          ) : labs.data.length === 0 ? (
            <Empty>No lab configs yet. Upload one.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Lab</th>
                    <th>Name</th>
                    <th>Version</th>
                    <th>Recording</th>
                    <th>Uploaded</th>
                  </tr>
                </thead>
                <tbody>
                  {labs.data.map((l) => (
                    <tr key={l.id}>
                      <td>
                        <Link to={`/labs/${l.id}`}>{l.title}</Link>
                      </td>
                      <td className="mono">{l.name}</td>
                      <td>v{l.version}</td>
                      <td>{l.recording ? <span className="badge-rec">REC</span> : <span className="muted">off</span>}</td>
                      <td className="nowrap">{formatDate(l.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <LabUploadForm courses={courses.data ?? []} onUploaded={labs.reload} />
      </div>
    </>
  );
}
