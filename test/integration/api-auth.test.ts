/**
 * Sign-in over HTTP against the real app (app.inject) and a real Postgres: built-in accounts with
 * session cookies, and OIDC bearer tokens from a real local issuer (discovery + JWKS served by a tiny
 * Fastify server started here, tokens signed with jose).
 */
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@autolabs/server/app';
import { PASSWORD, createHarness, type Harness } from './api-harness';

interface Issuer {
  url: string;
  sign(claims: Record<string, unknown>, opts?: { expiresIn?: string | number; audience?: string; issuer?: string }): Promise<string>;
  close(): Promise<void>;
}

/** A minimal OpenID provider: discovery document and JWKS, RS256 keys, tokens minted in-process. */
async function startIssuer(): Promise<Issuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server: FastifyInstance = Fastify();
  let url = '';
  server.get('/.well-known/openid-configuration', async () => ({ issuer: url, jwks_uri: `${url}/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
  server.get('/keys', async () => ({ keys: [jwk] }));
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  url = address;
  return {
    url,
    sign: (claims, opts = {}) => sign(privateKey, claims, { issuer: opts.issuer ?? url, audience: opts.audience ?? 'autolabs', expiresIn: opts.expiresIn ?? '5m' }),
    close: () => server.close(),
  };
}

function sign(key: CryptoKey, claims: Record<string, unknown>, opts: { issuer: string; audience: string; expiresIn: string | number }): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
    .setIssuer(opts.issuer)
    .setAudience(opts.audience)
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn)
    .sign(key);
}

function cookieFrom(setCookie: string | string[] | undefined): string {
  const header = Array.isArray(setCookie) ? setCookie[0] : (setCookie ?? '');
  return header;
}

let h: Harness;
let issuer: Issuer;
let otherIssuer: Issuer;
let app: FastifyInstance;

beforeAll(async () => {
  issuer = await startIssuer();
  otherIssuer = await startIssuer();
  h = await createHarness({ env: { OIDC_ISSUER: issuer.url, OIDC_AUDIENCE: 'autolabs', SESSION_COOKIE_SECURE: 'true' } });
  app = await buildApp(h.services);
});

afterAll(async () => {
  await app?.close();
  await h?.close();
  await issuer?.close();
  await otherIssuer?.close();
});

const meGet = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/api/trpc/me.get', headers });

describe('built-in accounts', () => {
  it('logging in sets an HttpOnly SameSite=Lax Secure cookie whose token is stored only as its sha256', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'teacher', password: PASSWORD } });
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ username: 'teacher', role: 'teacher' });
    const setCookie = cookieFrom(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^autolabs_session=[A-Za-z0-9_-]{40,};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).toContain('Secure');
    const token = /^autolabs_session=([^;]+)/.exec(setCookie)?.[1] ?? '';
    const rows = await h.services.db.prisma.authSession.findMany({ where: { userId: h.users.teacher.id } });
    expect(rows.map((r) => r.id)).toContain(createHash('sha256').update(token).digest('hex'));
    expect(rows.some((r) => r.id === token)).toBe(false);

    const me = await meGet({ cookie: `autolabs_session=${token}` });
    expect(me.statusCode).toBe(200);
    expect(me.json().result.data).toMatchObject({ username: 'teacher', role: 'teacher' });
  });

  it('a wrong password gets 401 UNAUTHENTICATED, no session, and a denied audit entry', async () => {
    const before = await h.services.db.prisma.authSession.count();
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'student', password: 'not the password' } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ code: 'UNAUTHENTICATED', message: 'wrong username or password' });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await h.services.db.prisma.authSession.count()).toBe(before);
    const audit = await h.services.db.prisma.auditLog.findFirst({ where: { action: 'auth.login' }, orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ outcome: 'denied', actorId: h.users.student.id, detail: { username: 'student' } });
  });

  it('an unknown user gets exactly the same answer as a wrong password', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody', password: PASSWORD } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ code: 'UNAUTHENTICATED', message: 'wrong username or password' });
  });

  it('a login body without a password is BAD_INPUT naming the field', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'student' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'BAD_INPUT', field: 'password' });
  });

  it('logging out deletes the session row, clears the cookie, and the old cookie stops working', async () => {
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'student', password: PASSWORD } });
    const token = /^autolabs_session=([^;]+)/.exec(cookieFrom(login.headers['set-cookie']))?.[1] ?? '';
    const out = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: `autolabs_session=${token}` } });
    expect(out.statusCode).toBe(204);
    expect(cookieFrom(out.headers['set-cookie'])).toMatch(/^autolabs_session=;.*Expires=Thu, 01 Jan 1970/);
    expect(await h.services.db.prisma.authSession.findUnique({ where: { id: createHash('sha256').update(token).digest('hex') } })).toBeNull();
    const me = await meGet({ cookie: `autolabs_session=${token}` });
    expect(me.statusCode).toBe(401);
    expect(me.json().error.data).toMatchObject({ appCode: 'UNAUTHENTICATED' });
  });

  it('after 5 failed sign-ins for a username from one address, that address waits (429 RATE_LIMITED) whatever the password; another address does not', async () => {
    await h.services.db.prisma.user.create({ data: { username: 'guessed', displayName: 'Guessed', passwordHash: h.users.student.passwordHash } });
    // A clock that stands still: the 1 s wait cannot run out between two requests however slow they are.
    const frozenAt = Date.now();
    const stillApp = await buildApp(h.services, { now: () => frozenAt });
    try {
      for (let i = 0; i < 5; i++) {
        const res = await stillApp.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'guessed', password: `guess-${i}` } });
        expect(res.statusCode).toBe(401);
      }
      const res = await stillApp.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'guessed', password: PASSWORD } });
      expect(res.statusCode).toBe(429);
      expect(res.json()).toEqual({ code: 'RATE_LIMITED', message: 'too many failed sign-ins; try again in 1 second(s)' });
      expect(res.headers['retry-after']).toBe('1');
      expect(res.headers['set-cookie']).toBeUndefined();
      const elsewhere = await stillApp.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'guessed', password: PASSWORD }, remoteAddress: '203.0.113.20' });
      expect(elsewhere.statusCode).toBe(200);
      const other = await stillApp.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'teacher', password: PASSWORD } });
      expect(other.statusCode).toBe(200);
    } finally {
      await stillApp.close();
    }
  });

  it('a cookie-bearing form post (not JSON) is refused with 415 before it reaches any procedure', async () => {
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'teacher', password: PASSWORD } });
    const cookie = String(login.headers['set-cookie']).split(';')[0];
    const before = await h.services.db.prisma.course.count();
    const res = await app.inject({
      method: 'POST',
      url: '/api/trpc/courses.create',
      headers: { cookie, 'content-type': 'text/plain' },
      payload: JSON.stringify({ code: 'CSRF-1', title: 'Forged' }),
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ code: 'BAD_INPUT', field: 'content-type' });
    expect(await h.services.db.prisma.course.count()).toBe(before);
    const logout = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } });
    expect(logout.statusCode).toBe(204);
  });

  it('an anonymous call to an authenticated procedure is 401 UNAUTHENTICATED', async () => {
    const me = await meGet({});
    expect(me.statusCode).toBe(401);
    expect(me.json().error).toMatchObject({ message: 'sign in first', data: { appCode: 'UNAUTHENTICATED' } });
  });
});

describe('OIDC bearer tokens', () => {
  it('a valid token with Zitadel roles signs in, creates the user by subject and maps the role', async () => {
    const token = await issuer.sign({
      sub: 'zitadel-user-1',
      preferred_username: 'grace',
      email: 'grace@example.org',
      name: 'Grace Hopper',
      'urn:zitadel:iam:org:project:roles': { teacher: { '2391': 'example.org' } },
    });
    const res = await meGet({ authorization: `Bearer ${token}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().result.data).toMatchObject({ username: 'grace', displayName: 'Grace Hopper', email: 'grace@example.org', role: 'teacher' });
    const again = await meGet({ authorization: `Bearer ${token}` });
    expect(again.json().result.data.id).toBe(res.json().result.data.id);
    expect(await h.services.db.prisma.user.count({ where: { oidcSubject: 'zitadel-user-1' } })).toBe(1);
  });

  it('a role claim given as a string array is accepted too, and a changed role follows the token', async () => {
    const asStudent = await issuer.sign({ sub: 'array-user', preferred_username: 'lin', 'urn:zitadel:iam:org:project:roles': ['student'] });
    expect((await meGet({ authorization: `Bearer ${asStudent}` })).json().result.data.role).toBe('student');
    const asAdmin = await issuer.sign({ sub: 'array-user', preferred_username: 'lin', 'urn:zitadel:iam:org:project:roles': ['admin'] });
    expect((await meGet({ authorization: `Bearer ${asAdmin}` })).json().result.data.role).toBe('admin');
  });

  it('an expired token is 401 UNAUTHENTICATED saying it expired', async () => {
    const token = await issuer.sign({ sub: 'late-user' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const res = await meGet({ authorization: `Bearer ${token}` });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatchObject({ message: 'bearer token expired', data: { appCode: 'UNAUTHENTICATED' } });
  });

  it('a token from another issuer is refused, even one that claims our issuer but is signed by another key', async () => {
    const foreign = await otherIssuer.sign({ sub: 'intruder' });
    const res = await meGet({ authorization: `Bearer ${foreign}` });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatchObject({ message: 'bearer token was issued by another issuer', data: { appCode: 'UNAUTHENTICATED' } });

    const forged = await otherIssuer.sign({ sub: 'intruder' }, { issuer: issuer.url });
    const res2 = await meGet({ authorization: `Bearer ${forged}` });
    expect(res2.statusCode).toBe(401);
    expect(res2.json().error.data.appCode).toBe('UNAUTHENTICATED');
    expect(await h.services.db.prisma.user.count({ where: { oidcSubject: 'intruder' } })).toBe(0);
  });

  it('a token for another audience is 401 UNAUTHENTICATED', async () => {
    const token = await issuer.sign({ sub: 'aud-user' }, { audience: 'some-other-app' });
    const res = await meGet({ authorization: `Bearer ${token}` });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatchObject({ message: 'bearer token is for another audience', data: { appCode: 'UNAUTHENTICATED' } });
  });

  it('a malformed Authorization header is 401 naming the header', async () => {
    const res = await meGet({ authorization: 'Basic dXNlcjpwYXNz' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.data).toMatchObject({ appCode: 'UNAUTHENTICATED', field: 'authorization' });
  });
});

describe('without OIDC configured', () => {
  it('bearer tokens are refused with UNAUTHENTICATED', async () => {
    const plain = await createHarness();
    const plainApp = await buildApp(plain.services);
    try {
      const token = await issuer.sign({ sub: 'someone' });
      const res = await plainApp.inject({ method: 'GET', url: '/api/trpc/me.get', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toBe('bearer tokens are not accepted: OIDC is not configured');
    } finally {
      await plainApp.close();
      await plain.close();
    }
  });
});
