import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { trpc, useChange } from '../api/query';
import { api, type RouterOutputs } from '../api/trpc';
import { useMe } from '../auth/AuthContext';
import { useConfirm, type ConfirmRequest } from '../components/ConfirmDialog';
import { CopyButton } from '../components/CopyButton';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { PageHeader } from '../components/PageHeader';

const ROLES = ['admin', 'teacher', 'student', 'viewer'] as const;
type Role = (typeof ROLES)[number];
type User = RouterOutputs['admin']['users'][number];

export function AdminUsersPage() {
  const me = useMe();
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState('');
  const users = useQuery(trpc.admin.users.queryOptions(search ? { query: search } : {}));
  const [issued, setIssued] = useState<IssuedPassword>();
  const { confirm, dialog } = useConfirm();
  /** A change to an account (the list is reloaded after it, done or refused). */
  const change = useChange(() => void users.refetch());

  /** Asks first; then makes the change. */
  async function act(question: ConfirmRequest, call: () => Promise<unknown>): Promise<void> {
    change.reset();
    if (await confirm(question)) change.mutate(call);
  }

  const setRole = (user: User, role: Role) =>
    act(
      {
        title: `Make ${user.displayName} ${article(role)} ${role}?`,
        message: `${user.displayName} (${user.username}) is ${article(user.role)} ${user.role} now. What they may see and do changes with their next request.`,
        confirmLabel: `Make ${role}`,
      },
      () => api.admin.setRole.mutate({ userId: user.id, role }),
    );

  const disable = (user: User) =>
    act(
      {
        title: `Disable ${user.displayName}?`,
        message: `${user.displayName} (${user.username}) is signed out everywhere at once, their open terminals are ended, and they cannot sign in (web or SSH) until an admin enables the account again. Their labs and files are kept.`,
        confirmLabel: 'Disable account',
      },
      () => api.admin.disableUser.mutate({ userId: user.id }),
    );

  const enable = (user: User) =>
    act(
      { title: `Enable ${user.displayName}?`, message: `${user.displayName} (${user.username}) can sign in again.`, confirmLabel: 'Enable account', danger: false },
      () => api.admin.enableUser.mutate({ userId: user.id }),
    );

  async function resetPassword(user: User) {
    setIssued(undefined);
    await act(
      {
        title: `Reset ${user.displayName}'s password?`,
        message: `A new password is made and shown to you once. ${user.displayName}'s current password stops working, they are signed out, and they must choose their own password when they next sign in.`,
        confirmLabel: 'Reset password',
      },
      async () => {
        const answer = await api.admin.resetPassword.mutate({ userId: user.id });
        setIssued({ displayName: user.displayName, username: answer.username, password: answer.password });
      },
    );
  }

  return (
    <>
      <PageHeader title="Users" subtitle="Built-in accounts and users who signed in with single sign-on." />
      {issued ? <IssuedPasswordNote issued={issued} onDone={() => setIssued(undefined)} /> : null}
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
          <ErrorNote error={users.error ?? change.error} />
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
                <th>Status</th>
                <th>Created</th>
                <th />
              </>
            }
            row={(u) => (
              <tr key={u.id} data-testid={`user-${u.username}`}>
                <td>
                  {u.displayName} <div className="muted mono">{u.username}</div>
                </td>
                <td>{u.email ?? '—'}</td>
                <td>
                  <select value={u.role} onChange={(e) => void setRole(u, e.target.value as Role)} aria-label={`Role of ${u.username}`}>
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                </td>
                <td>{u.disabled ? <span className="pill pill-failed">disabled</span> : u.mustChangePassword ? <span className="pill pill-pending">new password due</span> : <span className="pill pill-running">active</span>}</td>
                <td className="nowrap">{formatDate(u.createdAt)}</td>
                <td className="actions">
                  <div className="stacked-actions">
                    {u.id === me.id ? null : u.disabled ? (
                      <button type="button" className="btn btn-small" aria-label={`Enable ${u.username}`} onClick={() => void enable(u)}>
                        Enable
                      </button>
                    ) : (
                      <button type="button" className="btn btn-small btn-danger" aria-label={`Disable ${u.username}`} onClick={() => void disable(u)}>
                        Disable
                      </button>
                    )}
                    {u.hasPassword ? (
                      <button type="button" className="btn btn-small" aria-label={`Reset password of ${u.username}`} onClick={() => void resetPassword(u)}>
                        Reset password
                      </button>
                    ) : null}
                  </div>
                </td>
              </tr>
            )}
          />
        </section>
        <CreateUserForm onCreated={() => void users.refetch()} />
      </div>
      {dialog}
    </>
  );
}

function article(role: string): string {
  return /^[aeiou]/.test(role) ? 'an' : 'a';
}

interface IssuedPassword {
  displayName: string;
  username: string;
  password: string;
}

/** The generated password, on screen until Done: the server keeps only its hash and never shows it again. */
function IssuedPasswordNote({ issued, onDone }: { issued: IssuedPassword; onDone: () => void }) {
  return (
    <section className="note note-warn" role="region" aria-label="New password">
      <strong>
        New password for {issued.displayName} ({issued.username})
      </strong>
      <code className="issued-password" data-testid="issued-password">
        {issued.password}
      </code>
      <span>Give it to them in person. It is shown only now; they must choose their own when they sign in.</span>
      <div className="row">
        <CopyButton text={issued.password} />
        <button type="button" className="btn btn-small btn-primary" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}

function CreateUserForm({ onCreated }: { onCreated: () => void }) {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('student');
  const [done, setDone] = useState<string>();
  const create = useMutation(trpc.admin.createUser.mutationOptions());

  function submit(e: FormEvent) {
    e.preventDefault();
    setDone(undefined);
    create.mutate(
      { username: username.trim(), displayName: displayName.trim(), password, role },
      {
        onSuccess: () => {
          setDone(`Created ${username.trim()}.`);
          setUsername('');
          setDisplayName('');
          setPassword('');
          onCreated();
        },
      },
    );
  }

  return (
    <form className="card" onSubmit={submit} aria-label="Create user">
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
      <ErrorNote error={create.error} />
      {done ? <div className="note note-ok">{done}</div> : null}
      <button className="btn btn-primary" type="submit">
        Create user
      </button>
    </form>
  );
}
