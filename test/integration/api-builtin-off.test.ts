/**
 * AUTH_BUILTIN=off, attacked through the real app and Postgres: a built-in account's right password opens
 * nothing, neither at POST /api/auth/login (403 BUILTIN_LOGIN_OFF, no cookie) nor at the SSH front door's
 * login call (the same denial as a wrong password); the login page is told to show the provider only.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@autolabs/server/app';
import { loadInternalSecret } from '@autolabs/common/platform/internal-secret';
import { SSH_LOGIN_PATH } from '@autolabs/common/ssh/ssh-login-wire';
import { PASSWORD, createHarness, type Harness } from './api-harness';

let h: Harness;
let app: FastifyInstance;

beforeAll(async () => {
  // The provider is never asked here: nothing below starts an OIDC sign-in.
  h = await createHarness({
    env: { AUTH_BUILTIN: 'off', OIDC_ISSUER: 'https://id.example.edu', OIDC_CLIENT_ID: 'autolabs-web', PUBLIC_URL: 'https://labs.example.edu', OIDC_PROVIDER_NAME: 'School ID' },
  });
  app = await buildApp(h.services);
});
afterAll(async () => {
  await app?.close();
  await h?.close();
});

describe('built-in accounts turned off', () => {
  it('refuses the right password with BUILTIN_LOGIN_OFF, sets no cookie, and audits the attempt', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'student', password: PASSWORD } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'BUILTIN_LOGIN_OFF' });
    expect(res.headers['set-cookie']).toBeUndefined();
    const entry = await h.services.db.prisma.auditLog.findFirst({ where: { action: 'auth.login' }, orderBy: { id: 'desc' } });
    expect(entry).toMatchObject({ outcome: 'denied', detail: { username: 'student', reason: 'builtin-off' } });
  });

  it('refuses the account password at the SSH front door as if it were wrong', async () => {
    const secret = await loadInternalSecret({ dataDir: h.services.env.AUTOLABS_DATA_DIR });
    const res = await app.inject({
      method: 'POST',
      url: SSH_LOGIN_PATH,
      headers: { authorization: `Bearer ${secret}` },
      payload: { username: 'student', lab: null, credential: { kind: 'password', password: PASSWORD }, clientAddress: '192.0.2.7' },
    });
    expect(res.json()).toMatchObject({ outcome: 'denied', code: 'UNAUTHENTICATED', message: expect.stringMatching(/wrong username or password/) as string });
  });

  it('tells the login page to offer the provider only', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/auth/options' });
    expect(res.json()).toEqual({ builtin: false, oidc: { name: 'School ID' } });
  });
});
