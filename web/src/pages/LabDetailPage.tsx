import { useQuery } from '@tanstack/react-query';
import { trpc } from '../api/query';
import { CollapsibleText } from '../components/Collapsible';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { RuntimeNotes } from '../components/RuntimeNotes';
import { Link } from '../router/Link';

export function LabDetailPage({ labId }: { labId: string }) {
  const lab = useQuery(trpc.labs.get.queryOptions({ id: labId }));
  const versions = useQuery(trpc.labs.versions.queryOptions({ id: labId }));

  if (!lab.data) return lab.error ? <ErrorNote error={lab.error} /> : <Loading what="lab" />;
  const l = lab.data;
  return (
    <>
      <PageHeader title={l.title} subtitle={<span className="mono">{`${l.name} · v${l.version}`}</span>} actions={<Link to="/labs">All labs</Link>} />
      <div className="grid-2">
        <section className="stack">
          {l.description ? <CollapsibleText text={l.description} lines={6} /> : null}
          <RuntimeNotes notes={l.runtimeNotes} />
          <div className="card">
            <h2>Config</h2>
            <pre className="mono" style={{ overflowX: 'auto', margin: 0 }} data-testid="lab-yaml" tabIndex={0} aria-label="Lab YAML">
              {l.yaml}
            </pre>
          </div>
        </section>
        <section>
          <h2>Versions</h2>
          <ErrorNote error={versions.error} />
          <DataTable
            items={versions.data}
            failed={Boolean(versions.error)}
            what="versions"
            empty="No versions."
            head={
              <>
                <th>Version</th>
                <th>Uploaded</th>
              </>
            }
            row={(v) => (
              <tr key={v.id}>
                <td>{v.id === l.id ? <strong>v{v.version}</strong> : <Link to={`/labs/${v.id}`}>v{v.version}</Link>}</td>
                <td className="muted">{formatDate(v.createdAt)}</td>
              </tr>
            )}
          />
        </section>
      </div>
    </>
  );
}
