import { useState, type FormEvent } from 'react';
import { api, type RouterInputs } from '../api/trpc';
import { useLoad } from '../api/use-load';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { PageHeader } from '../components/PageHeader';
import { StatusPill } from '../components/StatusPill';

type AuditFilter = Exclude<RouterInputs['admin']['audit'], void | undefined>;
const PAGE_SIZE = 25;

/**
 * The audit log with filters and keyset paging: the server returns a cursor for the next page; the
 * cursors of pages already seen are kept so "Newer" goes back without recounting offsets.
 */
export function AdminAuditPage() {
  const [draft, setDraft] = useState({ actorId: '', action: '', targetId: '', from: '', to: '' });
  const [filter, setFilter] = useState<AuditFilter>({ limit: PAGE_SIZE });
  const [cursors, setCursors] = useState<(AuditFilter['cursor'] | undefined)[]>([undefined]);
  const page = cursors.length - 1;
  const entries = useLoad(() => api.admin.audit.query({ ...filter, cursor: cursors[page] }), [filter, cursors]);

  function apply(e: FormEvent) {
    e.preventDefault();
    setFilter({
      limit: PAGE_SIZE,
      actorId: draft.actorId.trim() || undefined,
      action: draft.action.trim() || undefined,
      targetId: draft.targetId.trim() || undefined,
      from: draft.from ? new Date(draft.from).toISOString() : undefined,
      to: draft.to ? new Date(draft.to).toISOString() : undefined,
    });
    setCursors([undefined]);
  }

  const field = (key: keyof typeof draft, label: string, type = 'text') => (
    <label className="field field-inline">
      <span>{label}</span>
      <input type={type} value={draft[key]} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} />
    </label>
  );

  const nextCursor = entries.data?.nextCursor;
  return (
    <>
      <PageHeader title="Audit log" subtitle="Who did what, when, and whether it was allowed." />
      <form className="card filters" onSubmit={apply} aria-label="Audit filters">
        {field('action', 'Action')}
        {field('actorId', 'Actor id')}
        {field('targetId', 'Target id')}
        {field('from', 'From', 'datetime-local')}
        {field('to', 'To', 'datetime-local')}
        <button className="btn btn-primary" type="submit">
          Apply filters
        </button>
      </form>
      <ErrorNote error={entries.error} />
      <DataTable
        items={entries.data?.entries}
        failed={Boolean(entries.error)}
        what="audit entries"
        empty="No entries match."
        head={
          <>
            <th>When</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Target</th>
            <th>Outcome</th>
          </>
        }
        row={(a) => (
          <tr key={String(a.id)}>
            <td className="nowrap">{formatDate(a.at)}</td>
            <td>
              <span className="mono">{a.actorId ? a.actorId.slice(0, 8) : 'system'}</span>
              {a.actorRole ? <span className="muted"> {a.actorRole}</span> : null}
            </td>
            <td className="mono">{a.action}</td>
            <td>
              {a.targetType}
              {a.targetId ? <span className="muted mono"> {a.targetId.slice(0, 8)}</span> : null}
            </td>
            <td>
              <StatusPill status={a.outcome} />
            </td>
          </tr>
        )}
      />
      <div className="row" style={{ marginTop: '0.75rem', justifyContent: 'flex-end' }}>
        <span className="muted">Page {page + 1}</span>
        <button type="button" className="btn" disabled={page === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <button type="button" className="btn" disabled={!nextCursor} onClick={() => setCursors([...cursors, nextCursor ?? undefined])}>
          Older
        </button>
      </div>
    </>
  );
}
