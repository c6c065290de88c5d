import { useState, type FormEvent } from 'react';
import { api } from '../api/trpc';
import { describeError, type ShownError } from '../api/describe-error';
import { useLoad } from '../api/use-load';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { PageHeader } from '../components/PageHeader';

const ROLES = ['admin', 'teacher', 'student', 'viewer'] as const;
type Role = (typeof ROLES)[number];

export function AdminUsersPage() {
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState('');
  const users = useLoad(() => api.admin.users.query(search ? { query: search } : {}), [search]);
  const [error, setError] = useState<ShownError>();

  async function setRole(userId: string, role: Role) {
    setError(undefined);
    try {
      await api.admin.setRole.mutate({ userId, role });
      users.reload();
    } catch (e) {
      setError(describeError(e));
    }
  }

  return (
    <>
      <PageHeader title="Users" subtitle="Built-in accounts and users who signed in with single sign-on." />
      <div className="grid-2">
        <section>
          <form
            className="row"
            style={{ marginBottom: '0.75rem' }}
            onSubmit={(e) => {
              e.preventDefault();
              setSearch(query.trim());
            }}
          >
            <input placeholder="Search username, name or email" value={query} onChange={(e) => setQuery(e.target.value)} style={{ flex: 1 }} aria-label="Search users" />
            <button className="btn" type="submit">
              Search
            </button>
          </form>
          <ErrorNote error={users.error ?? error} />
          {/* The admin is always a user, so only a search can come back empty. */}
          <DataTable
            items={users.data}
            failed={Boolean(users.error)}
            what="users"
            empty="No users match."
            head={
              <>
                <th>User</th>
                <th>Email</th>
                <th>Role</th>
                <th>Created</th>
              </>
            }
            row={(u) => (
              <tr key={u.id}>
                <td>
                  {u.displayName} <div className="muted mono">{u.username}</div>
                </td>
                <td>{u.email ?? '—'}</td>
                <td>
                  <select value={u.role} onChange={(e) => void setRole(u.id, e.target.value as Role)} aria-label={`Role of ${u.username}`}>
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                </td>
                <td className="nowrap">{formatDate(u.createdAt)}</td>
              </tr>
            )}
          />
        </section>
        <CreateUserForm onCreated={users.reload} />
      </div>
    </>
  );
}

function CreateUserForm({ onCreated }: { onCreated: () => void }) {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('student');
  const [error, setError] = useState<ShownError>();
  const [done, setDone] = useState<string>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setDone(undefined);
    try {
      await api.admin.createUser.mutate({ username: username.trim(), displayName: displayName.trim(), password, role });
      setDone(`Created ${username.trim()}.`);
      setUsername('');
      setDisplayName('');
      setPassword('');
      onCreated();
    } catch (err) {
      setError(describeError(err));
    }
  }

  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label="Create user">
      <h2>New user</h2>
      <label className="field">
        <span>Username</span>
        <input value={username} onChange={(e) => setUsername(e.target.value)} required autoComplete="off" />
      </label>
      <label className="field">
        <span>Display name</span>
        <input value={displayName} onChange={(e) => setDisplayName(e.target.value)} required />
      </label>
      <label className="field">
        <span>Password</span>
        <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="new-password" />
      </label>
      <label className="field">
        <span>Role</span>
        <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      <ErrorNote error={error} />
      {done ? <div className="note note-ok">{done}</div> : null}
      <button className="btn btn-primary" type="submit">
        Create user
      </button>
    </form>
  );
}
