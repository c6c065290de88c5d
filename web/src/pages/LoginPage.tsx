import { useState, type FormEvent } from 'react';
import { login, oidcLoginHref } from '../api/auth-api';
import { useAuth } from '../auth/AuthContext';
import { useAuthStep } from '../auth/use-auth-step';
import { ErrorNote } from '../components/ErrorNote';
import { Loading } from '../components/Loading';

/** The page to come back to after the provider's sign-in: where the visitor was heading, else home. */
function returnPath(): string {
  const hash = window.location.hash;
  return hash.startsWith('#/') && !hash.startsWith('#/login') && !hash.startsWith('#/sign-in-error') ? `/${hash}` : '/';
}

export function LoginPage() {
  const { options } = useAuth();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAuthStep();

  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(() => login(username.trim(), password));
  }

  return (
    <div className="login-screen">
      <form className="card login-card" onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <div className="login-brand">
          <span className="brand-mark" aria-hidden="true">
            ▍
          </span>
          AutoLabs
        </div>
        <p className="muted">Hands-on labs in your browser.</p>
        {options === null ? <Loading /> : null}
        {options?.oidc ? (
          // A navigation, not a fetch: the API sends the browser on to the provider and back.
          <a className="btn btn-primary btn-block" href={oidcLoginHref(returnPath())}>
            Sign in with {options.oidc.name}
          </a>
        ) : null}
        {options?.oidc && options.builtin ? <p className="muted">or with a username and password:</p> : null}
        {options?.builtin ? (
          <>
            <label className="field">
              <span>Username</span>
              <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
            </label>
            <label className="field">
              <span>Password</span>
              <input
                name="password"
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                required
              />
            </label>
            <ErrorNote error={error} />
            <button className={options.oidc ? 'btn btn-block' : 'btn btn-primary btn-block'} type="submit" disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </>
        ) : null}
      </form>
    </div>
  );
}
