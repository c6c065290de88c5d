import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { trpc } from '../api/query';
import type { RouterInputs } from '../api/trpc';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { PageHeader } from '../components/PageHeader';
import { StatusPill } from '../components/StatusPill';

type AuditFilter = Exclude<RouterInputs['admin']['audit'], void | undefined>;
const PAGE_SIZE = 25;

/**
 * The audit log with filters (a person, picked by name, as actor or target; a course; an action; a time
 * range) and keyset paging: the server returns a cursor for the next page; the cursors of pages already
 * seen are kept so "Newer" goes back without recounting offsets. Entries show names, not ids.
 */
export function AdminAuditPage() {
  const [draft, setDraft] = useState({ personId: '', courseId: '', action: '', from: '', to: '' });
  const people = useQuery(trpc.admin.users.queryOptions({}));
  const courses = useQuery(trpc.courses.list.queryOptions());
  const actions = useQuery(trpc.admin.auditActions.queryOptions());
  const [filter, setFilter] = useState<AuditFilter>({ limit: PAGE_SIZE });
  const [cursors, setCursors] = useState<(AuditFilter['cursor'] | undefined)[]>([undefined]);
  const page = cursors.length - 1;
  const entries = useQuery(trpc.admin.audit.queryOptions({ ...filter, cursor: cursors[page] }));

  function apply(e: FormEvent) {
    e.preventDefault();
    setFilter({
      limit: PAGE_SIZE,
      personId: draft.personId || undefined,
      courseId: draft.courseId || undefined,
      action: draft.action || undefined,
      from: draft.from ? new Date(draft.from).toISOString() : undefined,
      to: draft.to ? new Date(draft.to).toISOString() : undefined,
    });
    setCursors([undefined]);
  }

  const field = (key: 'from' | 'to', label: string, type = 'text') => (
    <label className="field field-inline">
      <span>{label}</span>
      <input type={type} value={draft[key]} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} />
    </label>
  );

  const choice = (key: 'personId' | 'courseId' | 'action', label: string, all: string, options: { value: string; label: string }[]) => (
    <label className="field field-inline">
      <span>{label}</span>
      <select value={draft[key]} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}>
        <option value="">{all}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );

  const nextCursor = entries.data?.nextCursor;
  return (
    <>
      <PageHeader title="Audit log" subtitle="Who did what, when, and whether it was allowed." />
      <form className="card filters" onSubmit={apply} aria-label="Audit filters">
        {choice(
          'personId',
          'Person',
          'Anyone',
          [...(people.data ?? [])].sort((a, b) => a.displayName.localeCompare(b.displayName)).map((u) => ({ value: u.id, label: `${u.displayName} (${u.username})` })),
        )}
        {choice('courseId', 'Course', 'Any course', (courses.data ?? []).map((c) => ({ value: c.id, label: `${c.code} — ${c.title}` })))}
        {choice('action', 'Action', 'Any action', (actions.data ?? []).map((a) => ({ value: a, label: a })))}
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
            <th>Course</th>
            <th>Outcome</th>
          </>
        }
        row={(a) => (
          <tr key={String(a.id)}>
            <td className="nowrap">{formatDate(a.at)}</td>
            <td>
              {a.actor ? a.actor.displayName : a.actorId ? 'deleted user' : 'nobody signed in'}
              {a.actorRole ? <span className="muted"> {a.actorRole}</span> : null}
            </td>
            <td className="mono">{a.action}</td>
            <td>{a.target ? a.target.label : <span className="muted">{a.targetType}</span>}</td>
            <td>{a.course ? a.course.code : '—'}</td>
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
