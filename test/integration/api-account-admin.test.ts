/**
 * An admin disables, re-enables and resets accounts (issue 10 point 6), attacked from every door the
 * account had: the real app (cookies, sign-in, the SSH front door's login call) on Postgres, and a real
 * gateway sharing the API's Redis session store (live terminals, tickets minted before the disable).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@autolabs/server/app';
import type { User } from '@autolabs/server/generated/prisma/client';
import { loadInternalSecret } from '@autolabs/common/platform/internal-secret';
import { SSH_LOGIN_PATH } from '@autolabs/common/ssh/ssh-login-wire';
import { startGateway, type GatewayFixture } from '@autolabs/gateway/testing/gateway-fixture';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { CloseCode } from '@autolabs/gateway/protocol/wire';
import { PASSWORD, createHarness, outcomeOf, seedWorld, uniq, type Harness, type World } from './api-harness';

let h: Harness;
let w: World;
let app: FastifyInstance;
let gw: GatewayFixture;
let secret: string;

beforeAll(async () => {
  h = await createHarness({ backing: 'redis-rabbitmq' });
  w = await seedWorld(h);
  app = await buildApp(h.services);
  secret = await loadInternalSecret({ dataDir: h.services.env.AUTOLABS_DATA_DIR });
  const { privateKey, publicKey } = h.services.ticketKeys;
  if (!privateKey) throw new Error('the harness has no ticket signing key');
  gw = await startGateway({ sessionStore: h.services.sessionStore, keys: { privateKey: privateKey as CryptoKey, publicKey: publicKey as CryptoKey } });
});
afterAll(async () => {
  await gw?.close();
  await app?.close();
  await h?.close();
});

/** A student of the world's course with the cast's password and a running lab of their own. */
async function newStudent(): Promise<{ user: User; instanceId: string }> {
  const prisma = h.services.db.prisma;
  const user = await prisma.user.create({ data: { username: uniq('dana'), displayName: 'Dana Student', role: 'student', passwordHash: h.users.student.passwordHash } });
  await prisma.courseMember.create({ data: { courseId: w.course.id, userId: user.id, role: 'student' } });
  const instance = await w.makeInstance(user.id);
  return { user, instanceId: instance.id };
}

const login = (username: string, password: string) =>
  app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username, password }) });

async function signIn(username: string, password = PASSWORD): Promise<string> {
  const res = await login(username, password);
  expect(res.statusCode, res.body).toBe(200);
  const header = res.headers['set-cookie'];
  return (Array.isArray(header) ? header[0] : (header ?? '')).split(';')[0];
}

const trpcGet = (cookie: string, path: string, input?: unknown) =>
  app.inject({ method: 'GET', url: `/api/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`, headers: { cookie } });
const trpcPost = (cookie: string, path: string, input: unknown) =>
  app.inject({ method: 'POST', url: `/api/trpc/${path}`, headers: { cookie, 'content-type': 'application/json' }, payload: JSON.stringify(input) });

const sshLogin = (username: string, password: string) =>
  app.inject({
    method: 'POST',
    url: SSH_LOGIN_PATH,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    payload: JSON.stringify({ username, lab: null, credential: { kind: 'password', password }, clientAddress: '192.0.2.9' }),
  });

const admin = () => h.callerFor('admin').admin;

describe('a disabled user', () => {
  it('loses the cookie they hold, and cannot sign in, get a terminal ticket or log in over SSH', async () => {
    const { user, instanceId } = await newStudent();
    const cookie = await signIn(user.username);
    expect((await trpcGet(cookie, 'me.get')).statusCode).toBe(200);
    expect((await sshLogin(user.username, PASSWORD)).json()).toMatchObject({ outcome: 'accepted', ticket: expect.any(String) });

    const disabled = await admin().disableUser({ userId: user.id });
    expect(disabled).toMatchObject({ id: user.id, disabled: true });

    expect(await h.services.db.prisma.authSession.count({ where: { userId: user.id } })).toBe(0);
    const me = await trpcGet(cookie, 'me.get');
    expect(me.statusCode).toBe(401);
    const ticket = await trpcPost(cookie, 'sessions.terminalTicket', { instanceId });
    expect(ticket.statusCode).toBe(401);
    expect(ticket.json().error.data.appCode).toBe('UNAUTHENTICATED');
    const again = await login(user.username, PASSWORD);
    expect(again.statusCode).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect((await sshLogin(user.username, PASSWORD)).json()).toMatchObject({ outcome: 'denied', code: 'UNAUTHENTICATED' });

    const entry = await h.services.db.prisma.auditLog.findFirst({ where: { action: 'admin.disableUser', targetId: user.id } });
    expect(entry).toMatchObject({ actorId: h.users.admin.id, outcome: 'success' });
  });

  it('has their open terminal ended, and a ticket minted before the disable is refused by the gateway', async () => {
    const { user, instanceId } = await newStudent();
    const mine = { sub: user.id, ownerId: user.id };
    const open = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket(mine), origin: gw.origin });
    expect(open.control('welcome')).toBeDefined();
    // Minted before the disable, used after it: a good signature, 60 s to live.
    const held = await gw.ownerTicket(mine);
    const fromApi = await h.callerAs(user).sessions.terminalTicket({ instanceId });

    expect(await admin().disableUser({ userId: user.id })).toMatchObject({ endedSessions: 1 });
    expect((await open.closed).code).toBe(CloseCode.KILLED_BY_ADMIN);

    for (const ticket of [held, fromApi.ticket]) {
      const late = await WireClient.connect({ url: gw.url, ticket, origin: gw.origin });
      expect((await late.closed).code).toBe(CloseCode.FORBIDDEN);
      expect(late.control('error')).toMatchObject({ code: 'FORBIDDEN', message: 'this account is disabled' });
    }
    // Someone else's ticket is not affected.
    const other = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket(), origin: gw.origin });
    expect(other.control('welcome')).toBeDefined();
    await other.close();
  });

  it('signs in and opens terminals again once enabled; the cookie from before stays dead', async () => {
    const { user } = await newStudent();
    const cookie = await signIn(user.username);
    await admin().disableUser({ userId: user.id });
    expect(await admin().enableUser({ userId: user.id })).toMatchObject({ id: user.id, disabled: false });
    expect((await trpcGet(cookie, 'me.get')).statusCode).toBe(401);
    expect((await trpcGet(await signIn(user.username), 'me.get')).statusCode).toBe(200);
    const terminal = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket({ sub: user.id, ownerId: user.id }), origin: gw.origin });
    expect(terminal.control('welcome')).toBeDefined();
    await terminal.close();
  });

  it('cannot be the admin doing it, nor an unknown id', async () => {
    expect(await outcomeOf(admin().disableUser({ userId: h.users.admin.id }))).toEqual({ code: 'CONFLICT', appCode: 'CONFLICT', field: 'userId' });
    expect(await outcomeOf(admin().disableUser({ userId: '00000000-0000-4000-8000-000000000000' }))).toEqual({ code: 'NOT_FOUND', appCode: 'NOT_FOUND', field: 'userId' });
    const bad = await trpcPost(await signIn('admin'), 'admin.disableUser', { userId: 'not-a-uuid' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.data).toMatchObject({ appCode: 'BAD_INPUT', field: 'userId' });
    expect((await h.services.db.prisma.user.findUniqueOrThrow({ where: { id: h.users.admin.id } })).disabled).toBe(false);
  });
});

describe('a password reset by an admin', () => {
  it('is shown once, stored only as a hash, never audited, and ends the sessions signed in with the old one', async () => {
    const { user } = await newStudent();
    const cookie = await signIn(user.username);
    const { password } = await admin().resetPassword({ userId: user.id });
    expect(password).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    expect(await admin().resetPassword({ userId: user.id }).then((r) => r.password)).not.toBe(password);
    const { password: latest } = await admin().resetPassword({ userId: user.id });

    const stored = await h.services.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.passwordHash).toMatch(/^scrypt\$/);
    expect(stored.passwordHash).not.toContain(latest);
    expect(stored.mustChangePassword).toBe(true);
    const audit = await h.services.db.prisma.auditLog.findMany({ where: { targetId: user.id } });
    expect(audit.filter((a) => a.action === 'admin.resetPassword')).toHaveLength(3);
    for (const secretText of [password, latest]) expect(JSON.stringify(audit.map((a) => a.detail))).not.toContain(secretText);

    expect((await trpcGet(cookie, 'me.get')).statusCode).toBe(401);
    expect((await login(user.username, PASSWORD)).statusCode).toBe(401);
  });

  it('must be changed at the next sign-in: until then every other call answers PASSWORD_CHANGE_REQUIRED and SSH says so', async () => {
    const { user } = await newStudent();
    const { password } = await admin().resetPassword({ userId: user.id });
    const res = await login(user.username, password);
    expect(res.json().user).toMatchObject({ mustChangePassword: true });
    const cookie = (res.headers['set-cookie'] as string).split(';')[0];

    expect((await trpcGet(cookie, 'me.get')).json().result.data).toMatchObject({ id: user.id, mustChangePassword: true });
    const blocked = await trpcGet(cookie, 'courses.list');
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.data.appCode).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await sshLogin(user.username, password)).json()).toMatchObject({ outcome: 'denied', message: expect.stringMatching(/choose a new one/) });

    const wrong = await trpcPost(cookie, 'me.changePassword', { currentPassword: 'not it at all', newPassword: 'my own new password' });
    expect(wrong.json().error.data).toMatchObject({ appCode: 'BAD_INPUT', field: 'currentPassword' });
    const same = await trpcPost(cookie, 'me.changePassword', { currentPassword: password, newPassword: password });
    expect(same.json().error.data).toMatchObject({ appCode: 'BAD_INPUT', field: 'newPassword' });
    const short = await trpcPost(cookie, 'me.changePassword', { currentPassword: password, newPassword: 'short' });
    expect(short.json().error.data).toMatchObject({ appCode: 'BAD_INPUT', field: 'newPassword' });

    expect((await trpcPost(cookie, 'me.changePassword', { currentPassword: password, newPassword: 'my own new password' })).statusCode).toBe(200);
    expect((await trpcGet(cookie, 'courses.list')).statusCode).toBe(200);
    expect((await trpcGet(cookie, 'me.get')).json().result.data).toMatchObject({ mustChangePassword: false });
    expect((await login(user.username, password)).statusCode).toBe(401);
    expect((await login(user.username, 'my own new password')).statusCode).toBe(200);
  });

  it('is refused for an account that signs in through the OIDC provider', async () => {
    const oidcUser = await h.services.db.prisma.user.create({ data: { username: uniq('oidc'), displayName: 'Olga', role: 'student', oidcSubject: uniq('sub') } });
    expect(await outcomeOf(admin().resetPassword({ userId: oidcUser.id }))).toEqual({ code: 'CONFLICT', appCode: 'CONFLICT', field: 'userId' });
  });
});
