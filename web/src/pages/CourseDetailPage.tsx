import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { trpc, useChange } from '../api/query';
import { api } from '../api/trpc';
import { useMe } from '../auth/AuthContext';
import { CollapsibleText } from '../components/Collapsible';
import { useConfirm, type ConfirmRequest } from '../components/ConfirmDialog';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { PageHeader } from '../components/PageHeader';
import { Link } from '../router/Link';
import { CourseGroups } from './CourseGroups';

export function CourseDetailPage({ courseId }: { courseId: string }) {
  const me = useMe();
  const course = useQuery(trpc.courses.get.queryOptions({ id: courseId }));
  const members = useQuery(trpc.courses.members.queryOptions({ courseId }));
  const assignments = useQuery(trpc.assignments.list.queryOptions({ courseId }));
  const isTeacher = me.role === 'admin' || (me.role === 'teacher' && (members.data ?? []).some((m) => m.user.id === me.id && m.courseRole === 'teacher'));
  const change = useChange();
  const { confirm, dialog } = useConfirm();

  /** Asks first, then runs the change and reloads what it touched. */
  async function run(question: ConfirmRequest, action: () => Promise<unknown>, after: () => void) {
    change.reset();
    if (await confirm(question)) change.mutate(action, { onSuccess: after });
  }

  return (
    <>
      <PageHeader
        title={course.data?.title ?? 'Course'}
        subtitle={course.data ? <span className="mono">{course.data.code}</span> : undefined}
        actions={
          isTeacher ? (
            <Link to={`/deployments?course=${courseId}`} className="btn btn-primary">
              Start for class
            </Link>
          ) : undefined
        }
      />
      <ErrorNote error={course.error} />
      <ErrorNote error={change.error} />
      {course.data?.description ? <p>{course.data.description}</p> : null}
      <div className="grid-2">
        <div className="stack">
          <section>
            <h2>Assignments</h2>
            <ErrorNote error={assignments.error} />
            <DataTable
              items={assignments.data}
              failed={Boolean(assignments.error)}
              empty="No assignments."
              head={
                <>
                  <th>Title</th>
                  <th>Due</th>
                  {isTeacher ? <th /> : null}
                </>
              }
              row={(a) => (
                <tr key={a.id}>
                  <td>
                    {a.title}
                    {a.description ? <CollapsibleText text={a.description} lines={2} /> : null}
                  </td>
                  <td>{formatDate(a.dueAt)}</td>
                  {isTeacher ? (
                    <td className="actions">
                      <button
                        type="button"
                        className="btn btn-small btn-danger"
                        onClick={() =>
                          void run(
                            {
                              title: `Delete the assignment ${a.title}?`,
                              message: 'Students no longer find it in My labs, and its submissions are deleted. Labs already running keep running.',
                              confirmLabel: 'Delete assignment',
                            },
                            () => api.assignments.delete.mutate({ id: a.id }),
                            () => void assignments.refetch(),
                          )
                        }
                      >
                        Delete
                      </button>
                    </td>
                  ) : null}
                </tr>
              )}
            />
          </section>
          <section>
            <h2>Members</h2>
            <ErrorNote error={members.error} />
            <DataTable
              items={members.data}
              failed={Boolean(members.error)}
              empty="No members."
              head={
                <>
                  <th>User</th>
                  <th>Role</th>
                  {isTeacher ? <th /> : null}
                </>
              }
              row={(m) => (
                <tr key={m.user.id}>
                  <td>
                    {m.user.displayName} <span className="muted mono">{m.user.username}</span>
                  </td>
                  <td>{m.courseRole}</td>
                  {isTeacher ? (
                    <td className="actions">
                      <button
                        type="button"
                        className="btn btn-small btn-danger"
                        onClick={() =>
                          void run(
                            {
                              title: `Remove ${m.user.displayName} from this course?`,
                              message: `${m.user.displayName} no longer sees the course, its assignments or its labs. You can add them again later.`,
                              confirmLabel: 'Remove',
                            },
                            () => api.courses.removeMember.mutate({ courseId, userId: m.user.id }),
                            () => void members.refetch(),
                          )
                        }
                        aria-label={`Remove ${m.user.username} from the course`}
                      >
                        Remove
                      </button>
                    </td>
                  ) : null}
                </tr>
              )}
            />
          </section>
        </div>
        {isTeacher ? (
          <div className="stack">
            <AddMemberForm courseId={courseId} onAdded={() => void members.refetch()} />
            <CreateAssignmentForm courseId={courseId} onCreated={() => void assignments.refetch()} />
          </div>
        ) : null}
      </div>
      {isTeacher ? <CourseGroups courseId={courseId} /> : null}
      {dialog}
    </>
  );
}

function AddMemberForm({ courseId, onAdded }: { courseId: string; onAdded: () => void }) {
  const me = useMe();
  // Only admins may list users; teachers paste the user id they were given.
  const users = useQuery({ ...trpc.admin.users.queryOptions({}), enabled: me.role === 'admin' });
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<'teacher' | 'student'>('student');
  const add = useMutation(trpc.courses.addMember.mutationOptions());

  function submit(e: FormEvent) {
    e.preventDefault();
    add.mutate(
      { courseId, userId: userId.trim(), role },
      {
        onSuccess: () => {
          setUserId('');
          onAdded();
        },
      },
    );
  }

  return (
    <form className="card" onSubmit={submit} aria-label="Add member">
      <h2>Add member</h2>
      <label className="field">
        <span>User</span>
        {users.data && users.data.length > 0 ? (
          <select value={userId} onChange={(e) => setUserId(e.target.value)} required>
            <option value="">Choose a user…</option>
            {users.data.map((u) => (
              <option key={u.id} value={u.id}>
                {u.displayName} ({u.username})
              </option>
            ))}
          </select>
        ) : (
          <input value={userId} onChange={(e) => setUserId(e.target.value)} placeholder="User id" required />
        )}
      </label>
      <label className="field">
        <span>Role in course</span>
        <select value={role} onChange={(e) => setRole(e.target.value as 'teacher' | 'student')}>
          <option value="student">Student</option>
          <option value="teacher">Teacher</option>
        </select>
      </label>
      <ErrorNote error={add.error} />
      <button className="btn btn-primary" type="submit">
        Add
      </button>
    </form>
  );
}

function CreateAssignmentForm({ courseId, onCreated }: { courseId: string; onCreated: () => void }) {
  const labs = useQuery(trpc.labs.list.queryOptions({ courseId }));
  const [labConfigId, setLabConfigId] = useState('');
  const [title, setTitle] = useState('');
  const [dueAt, setDueAt] = useState('');
  const create = useMutation(trpc.assignments.create.mutationOptions());

  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate(
      { courseId, labConfigId, title: title.trim(), dueAt: dueAt ? new Date(dueAt).toISOString() : undefined },
      {
        onSuccess: () => {
          setTitle('');
          setDueAt('');
          onCreated();
        },
      },
    );
  }

  return (
    <form className="card" onSubmit={submit} aria-label="New assignment">
      <h2>New assignment</h2>
      <label className="field">
        <span>Lab</span>
        <select value={labConfigId} onChange={(e) => setLabConfigId(e.target.value)} required>
          <option value="">Choose a lab…</option>
          {(labs.data ?? []).map((l) => (
            <option key={l.id} value={l.id}>
              {l.title} ({l.name} v{l.version})
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Title</span>
        <input value={title} onChange={(e) => setTitle(e.target.value)} required />
      </label>
      <label className="field">
        <span>Due (optional)</span>
        <input type="datetime-local" value={dueAt} onChange={(e) => setDueAt(e.target.value)} />
      </label>
      <ErrorNote error={create.error ?? labs.error} />
      <button className="btn btn-primary" type="submit">
        Create assignment
      </button>
    </form>
  );
}
