/**
 * Built-in login and logout are plain HTTP routes (not tRPC) because they set and clear the HttpOnly
 * session cookie.
 */
import type { ShownError } from './describe-error';

export class AuthError extends Error implements ShownError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function login(username: string, password: string): Promise<void> {
  const res = await fetch('/api/auth/login', {
    method: 'POST',
    credentials: 'include',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.ok) return;
  const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (res.status === 401) throw new AuthError('UNAUTHENTICATED', 'Wrong username or password.');
  throw new AuthError(body.code ?? 'INTERNAL', body.message ?? `Login failed (HTTP ${res.status}).`);
}

export async function logout(): Promise<void> {
  await fetch('/api/auth/logout', { method: 'POST', credentials: 'include' });
}
