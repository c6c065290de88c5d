import { useState, type FormEvent } from 'react';
import { api } from '../api/trpc';
import { useAuth } from '../auth/AuthContext';
import { useAuthStep } from '../auth/use-auth-step';
import { ErrorNote } from '../components/ErrorNote';

/**
 * Shown instead of every page while an admin's password reset is unconfirmed: the API answers nothing else
 * (PASSWORD_CHANGE_REQUIRED) until the user has replaced the password the admin handed over with their own.
 */
export function ChangePasswordPage() {
  const { me, logout } = useAuth();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const { busy, error, setError, run } = useAuthStep();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (next !== repeat) {
      setError({ code: 'BAD_INPUT', message: 'The two new passwords are not the same.', field: 'repeat' });
      return;
    }
    await run(() => api.me.changePassword.mutate({ currentPassword: current, newPassword: next }));
  }

  return (
    <div className="login-screen">
      <form className="card login-card" onSubmit={(e) => void submit(e)} aria-label="Choose a new password">
        <h1>Choose a new password</h1>
        <p className="muted">
          An administrator reset the password of <strong>{me?.username}</strong>. Enter the password you were given, then one of your own (at
          least 10 characters).
        </p>
        <label className="field">
          <span>Password you were given</span>
          <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required autoFocus />
        </label>
        <label className="field">
          <span>New password</span>
          <input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} minLength={10} maxLength={200} required />
        </label>
        <label className="field">
          <span>New password again</span>
          <input type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} required />
        </label>
        <ErrorNote error={error} />
        <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save new password'}
        </button>
        <button className="btn btn-ghost btn-block" type="button" onClick={() => void logout()}>
          Sign out
        </button>
      </form>
    </div>
  );
}
