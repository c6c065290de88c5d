import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { trpc } from '../api/query';
import type { RouterOutputs } from '../api/trpc';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { PageHeader } from '../components/PageHeader';

type Quota = RouterOutputs['admin']['quotas'][number];
type Scope = Quota['scope'];

/**
 * Instance and resource limits. The server applies the most specific row (user, else course, else
 * global; none = no limit), so the list says which one a user falls under without more explanation.
 */
export function AdminQuotasPage() {
  const quotas = useQuery(trpc.admin.quotas.queryOptions());
  const users = useQuery(trpc.admin.users.queryOptions({}));
  const courses = useQuery(trpc.courses.list.queryOptions());
  const [editing, setEditing] = useState<Quota>();

  const user = (id: string | null) => users.data?.find((u) => u.id === id);
  const course = (id: string | null) => courses.data?.find((c) => c.id === id);
  const userName = (id: string | null) => (id ? (user(id)?.username ?? id.slice(0, 8)) : '');
  const courseName = (id: string | null) => (id ? (course(id)?.code ?? id.slice(0, 8)) : '');

  return (
    <>
      <PageHeader title="Quotas" subtitle="A user's own quota wins over their course's, which wins over the global one. No quota means no limit." />
      <div className="grid-2">
        <section>
          <ErrorNote error={quotas.error ?? users.error ?? courses.error} />
          <DataTable
            items={quotas.data}
            failed={Boolean(quotas.error)}
            what="quotas"
            empty="No quotas: nobody is limited."
            label="Quotas"
            head={
              <>
                <th>Applies to</th>
                <th>Instances</th>
                <th>CPU</th>
                <th>Memory</th>
                <th>Updated</th>
                <th />
              </>
            }
            row={(q) => (
              <tr key={q.id} data-testid={`quota-${q.scope}-${userName(q.userId) || courseName(q.courseId) || 'global'}`}>
                <td>
                  {q.scope === 'global' ? 'Everyone' : q.scope === 'course' ? (course(q.courseId)?.title ?? courseName(q.courseId)) : (user(q.userId)?.displayName ?? userName(q.userId))}
                  <div className="muted mono">
                    {q.scope === 'global' ? 'global' : q.scope === 'course' ? `course ${courseName(q.courseId)}` : `user ${userName(q.userId)}`}
                  </div>
                </td>
                <td>{q.maxInstances}</td>
                <td className="nowrap">{q.maxCpuMillis / 1000} cores</td>
                <td className="nowrap">{q.maxMemoryMi} Mi</td>
                <td className="nowrap">{formatDate(q.updatedAt)}</td>
                <td className="actions">
                  <button type="button" className="btn btn-small" onClick={() => setEditing(q)}>
                    Edit
                  </button>
                </td>
              </tr>
            )}
          />
        </section>
        <QuotaForm
          key={editing?.id ?? 'new'}
          initial={editing}
          users={users.data ?? []}
          courses={courses.data ?? []}
          onSaved={() => {
            setEditing(undefined);
            void quotas.refetch();
          }}
        />
      </div>
    </>
  );
}

function QuotaForm(props: {
  initial: Quota | undefined;
  users: RouterOutputs['admin']['users'];
  courses: RouterOutputs['courses']['list'];
  onSaved: () => void;
}) {
  const { initial } = props;
  const [scope, setScope] = useState<Scope>(initial?.scope ?? 'user');
  const [userId, setUserId] = useState(initial?.userId ?? '');
  const [courseId, setCourseId] = useState(initial?.courseId ?? '');
  const [maxInstances, setMaxInstances] = useState(String(initial?.maxInstances ?? 2));
  const [cpuCores, setCpuCores] = useState(String((initial?.maxCpuMillis ?? 2000) / 1000));
  const [maxMemoryMi, setMaxMemoryMi] = useState(String(initial?.maxMemoryMi ?? 2048));
  const [done, setDone] = useState<string>();
  const save = useMutation(trpc.admin.setQuota.mutationOptions());

  function submit(e: FormEvent) {
    e.preventDefault();
    setDone(undefined);
    // Numbers go to the server as typed (a blank field becomes NaN and is refused there, with its field).
    save.mutate(
      {
        scope,
        userId: scope === 'user' ? userId || undefined : undefined,
        courseId: scope === 'course' ? courseId || undefined : undefined,
        maxInstances: toNumber(maxInstances),
        maxCpuMillis: Math.round(toNumber(cpuCores) * 1000),
        maxMemoryMi: toNumber(maxMemoryMi),
      },
      {
        onSuccess: () => {
          setDone('Quota saved.');
          props.onSaved();
        },
      },
    );
  }

  return (
    <form className="card" onSubmit={submit} aria-label="Set quota" noValidate>
      <h2>{initial ? 'Edit quota' : 'Set a quota'}</h2>
      <label className="field">
        <span>Scope</span>
        <select aria-label="Scope" value={scope} onChange={(e) => setScope(e.target.value as Scope)} disabled={Boolean(initial)}>
          <option value="user">One user</option>
          <option value="course">One course</option>
          <option value="global">Everyone (global)</option>
        </select>
      </label>
      {scope === 'user' ? (
        <label className="field">
          <span>User</span>
          <select aria-label="User" value={userId} onChange={(e) => setUserId(e.target.value)} disabled={Boolean(initial)}>
            <option value="">Choose a user…</option>
            {props.users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.displayName} ({u.username})
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {scope === 'course' ? (
        <label className="field">
          <span>Course</span>
          <select aria-label="Course" value={courseId} onChange={(e) => setCourseId(e.target.value)} disabled={Boolean(initial)}>
            <option value="">Choose a course…</option>
            {props.courses.map((c) => (
              <option key={c.id} value={c.id}>
                {c.title} ({c.code})
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label className="field">
        <span>Max running instances</span>
        <input type="number" step={1} value={maxInstances} onChange={(e) => setMaxInstances(e.target.value)} />
      </label>
      <label className="field">
        <span>CPU (cores)</span>
        <input type="number" step={0.1} value={cpuCores} onChange={(e) => setCpuCores(e.target.value)} />
      </label>
      <label className="field">
        <span>Memory (Mi)</span>
        <input type="number" step={1} value={maxMemoryMi} onChange={(e) => setMaxMemoryMi(e.target.value)} />
      </label>
      <ErrorNote error={save.error} />
      {done ? <div className="note note-ok">{done}</div> : null}
      <div className="row">
        <button className="btn btn-primary" type="submit">
          Save quota
        </button>
        {initial ? (
          <button type="button" className="btn" onClick={props.onSaved}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

function toNumber(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}
