import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { trpc } from '../api/query';
import { useMe } from '../auth/AuthContext';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { PageHeader } from '../components/PageHeader';
import { Link } from '../router/Link';

export function CoursesPage() {
  const me = useMe();
  const courses = useQuery(trpc.courses.list.queryOptions());
  const canCreate = me.role === 'teacher' || me.role === 'admin';

  return (
    <>
      <PageHeader title="Courses" subtitle={me.role === 'admin' ? 'All courses' : 'Courses you belong to'} />
      <div className={canCreate ? 'grid-2' : 'stack'}>
        <section>
          <ErrorNote error={courses.error} />
          <DataTable
            items={courses.data}
            failed={Boolean(courses.error)}
            what="courses"
            empty="No courses yet."
            head={
              <>
                <th>Code</th>
                <th>Title</th>
                <th>Description</th>
              </>
            }
            row={(c) => (
              <tr key={c.id}>
                <td className="mono">{c.code}</td>
                <td>
                  <Link to={`/courses/${c.id}`}>{c.title}</Link>
                </td>
                <td className="muted">{c.description}</td>
              </tr>
            )}
          />
        </section>
        {canCreate ? <CreateCourseForm onCreated={() => void courses.refetch()} /> : null}
      </div>
    </>
  );
}

function CreateCourseForm({ onCreated }: { onCreated: () => void }) {
  const [code, setCode] = useState('');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const create = useMutation(trpc.courses.create.mutationOptions());

  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate(
      { code: code.trim(), title: title.trim(), description: description.trim() },
      {
        onSuccess: () => {
          setCode('');
          setTitle('');
          setDescription('');
          onCreated();
        },
      },
    );
  }

  return (
    <form className="card" onSubmit={submit} aria-label="Create course">
      <h2>New course</h2>
      <label className="field">
        <span>Code</span>
        <input value={code} onChange={(e) => setCode(e.target.value)} placeholder="LINUX-101" required />
      </label>
      <label className="field">
        <span>Title</span>
        <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="Linux 101" required />
      </label>
      <label className="field">
        <span>Description</span>
        <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={3} />
      </label>
      <ErrorNote error={create.error} />
      <button className="btn btn-primary" type="submit" disabled={create.isPending}>
        Create course
      </button>
    </form>
  );
}
