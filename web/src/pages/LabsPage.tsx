import { useQuery } from '@tanstack/react-query';
import { trpc } from '../api/query';
import { useMe } from '../auth/AuthContext';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { PageHeader } from '../components/PageHeader';
import { Link } from '../router/Link';
import { LabUploadForm } from './LabUploadForm';

/** The labs I may use: my courses' labs and my own course-less ones (admins: all), each with its course. */
export function LabsPage() {
  const me = useMe();
  const labs = useQuery(trpc.labs.list.queryOptions());
  const courses = useQuery(trpc.courses.list.queryOptions());
  const codeOf = new Map((courses.data ?? []).map((c) => [c.id, c.code]));
  // A lab can be uploaded into the courses I teach (admins: any course).
  const uploadable = (courses.data ?? []).filter((c) => me.role === 'admin' || c.myRole === 'teacher');
  return (
    <>
      <PageHeader title="Lab configs" subtitle="A lab belongs to its course, or without one to you. Each upload of a lab name there is a new version; assignments point at one version." />
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
                <th>Course</th>
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
                <td>{l.courseId ? (codeOf.get(l.courseId) ?? <span className="muted">another course</span>) : <span className="muted">no course</span>}</td>
                <td>v{l.version}</td>
                <td>{l.recording ? <span className="badge-rec">REC</span> : <span className="muted">off</span>}</td>
                <td className="nowrap">{formatDate(l.createdAt)}</td>
              </tr>
            )}
          />
        </section>
        <LabUploadForm courses={uploadable} onUploaded={() => void labs.refetch()} />
      </div>
    </>
  );
}
