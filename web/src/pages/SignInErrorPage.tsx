import { useAuth } from '../auth/AuthContext';
import { signInError } from '../auth/sign-in-errors';
import { ErrorNote } from '../components/ErrorNote';
import { useRoute } from '../router/hash-router';

/** Where the API sends the browser when an OIDC sign-in is refused (`#/sign-in-error?code=...`). */
export function SignInErrorPage() {
  const { query } = useRoute();
  const { options } = useAuth();
  const error = signInError(query, options?.oidc?.name ?? null);
  return (
    <div className="login-screen">
      <section className="card login-card" aria-label="Sign-in failed">
        <div className="login-brand">
          <span className="brand-mark" aria-hidden="true">
            ▍
          </span>
          AutoLabs
        </div>
        <h1>You are not signed in</h1>
        <ErrorNote error={error} />
        <a className="btn btn-primary btn-block" href="#/login">
          Back to sign-in
        </a>
      </section>
    </div>
  );
}
