/**
 * One-time SSH passwords through the real app and Postgres: `sshPasswords.reveal` for a running lab the
 * caller works in (nobody else's), only a scrypt hash stored, and the internal login route the front
 * door asks: the password opens its own lab once, within 30 minutes; used, expired, replaced or wrong, it
 * gets the one password refusal and counts in the sign-in throttle; every step is in the audit log
 * without the password.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@autolabs/server/app';
import { verifyPassword } from '@autolabs/server/auth/password';
import { loadInternalSecret } from '@autolabs/common/platform/internal-secret';
import { INSTANCE_PASSWORD_TTL_MS } from '@autolabs/server/ssh/instance-password';
import { SSH_LOGIN_PATH, type SshLoginAnswer } from '@autolabs/common/ssh/ssh-login-wire';
import { verifyTicket } from '@autolabs/common/tickets/ticket';
import { createHarness, outcomeOf, seedWorld, type Harness, type World } from './api-harness';

let h: Harness;
let w: World;
let app: FastifyInstance;
let secret: string;
/** The login route's clock: real time unless a test moves it. */
let offsetMs = 0;

beforeAll(async () => {
  h = await createHarness();
  w = await seedWorld(h);
  app = await buildApp(h.services, { now: () => Date.now() + offsetMs });
  secret = await loadInternalSecret({ dataDir: h.services.env.AUTOLABS_DATA_DIR });
});
afterAll(async () => {
  await app?.close();
  await h?.close();
});

let address = 0;
/** A client address of its own per call site, so one test's failures never throttle another's. */
const freshAddress = () => `198.51.100.${++address}`;

async function login(password: string, opts: { username?: string; lab?: string | null; clientAddress?: string } = {}): Promise<SshLoginAnswer> {
  const body = { username: opts.username ?? 'student', lab: opts.lab ?? null, credential: { kind: 'password', password }, clientAddress: opts.clientAddress ?? freshAddress() };
  const res = await app.inject({ method: 'POST', url: SSH_LOGIN_PATH, headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, payload: JSON.stringify(body) });
  expect(res.statusCode).toBe(200);
  return res.json();
}

const reveal = (instanceId: string, who: 'student' | 'otherStudent' = 'student') => h.callerFor(who).sshPasswords.reveal({ instanceId });
const rowOf = (instanceId: string) => h.services.db.prisma.sshInstancePassword.findUniqueOrThrow({ where: { userId_instanceId: { userId: h.users.student.id, instanceId } } });

describe('sshPasswords.reveal', () => {
  it('answers once with the password, the login, port and host key, and stores only a scrypt hash bound to user and instance', async () => {
    const before = Date.now();
    const r = await reveal(w.instance.id);
    expect(r).toMatchObject({ instanceId: w.instance.id, login: 'student+api-test-lab', port: 2222, hostKey: expect.stringMatching(/^ssh-ed25519 AAAA/) });
    expect(r.password).toMatch(/^[a-km-np-z2-9]{5}(-[a-km-np-z2-9]{5}){3}$/);
    const row = await rowOf(w.instance.id);
    expect(row.passwordHash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(row)).not.toContain(r.password);
    expect(await verifyPassword(r.password, row.passwordHash)).toBe(true);
    expect(row.usedAt).toBeNull();
    expect(Date.parse(r.expiresAt)).toBe(row.expiresAt.getTime());
    expect(row.expiresAt.getTime() - before).toBeGreaterThanOrEqual(INSTANCE_PASSWORD_TTL_MS);
    expect(row.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(INSTANCE_PASSWORD_TTL_MS);
  });

  it('refuses another student\'s lab and a teacher (FORBIDDEN), a missing lab (NOT_FOUND), a stopped one (CONFLICT), each on instanceId', async () => {
    expect(await outcomeOf(reveal(w.instance.id, 'otherStudent'))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN', field: 'instanceId' });
    expect(await outcomeOf(h.callerFor('teacher').sshPasswords.reveal({ instanceId: w.instance.id }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN', field: 'instanceId' });
    expect(await outcomeOf(reveal('00000000-0000-4000-8000-000000000000'))).toEqual({ code: 'NOT_FOUND', appCode: 'NOT_FOUND', field: 'instanceId' });
    const stopped = await w.makeInstance();
    await h.services.db.prisma.labInstance.update({ where: { id: stopped.id }, data: { status: 'stopped' } });
    expect(await outcomeOf(reveal(stopped.id))).toEqual({ code: 'CONFLICT', appCode: 'CONFLICT', field: 'instanceId' });
    expect(await outcomeOf(h.callerFor('viewer').sshPasswords.reveal({ instanceId: w.instance.id }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await outcomeOf(h.callerFor('anonymous').sshPasswords.reveal({ instanceId: w.instance.id }))).toMatchObject({ code: 'UNAUTHORIZED' });
    const rows = await h.services.db.prisma.sshInstancePassword.findMany({ where: { userId: { not: h.users.student.id } } });
    expect(rows).toEqual([]);
  });
});

describe('logging in with a one-time password (internal login route)', () => {
  it('opens its own lab once, with the owner ticket; the same password again is refused', async () => {
    const { password } = await reveal(w.instance.id);
    const first = await login(password);
    expect(first).toMatchObject({ outcome: 'accepted', userId: h.users.student.id, lab: { login: 'api-test-lab' } });
    if (first.outcome !== 'accepted' || !first.ticket) throw new Error('no ticket');
    expect(await verifyTicket(h.services.ticketKeys.publicKey, first.ticket)).toMatchObject({ mode: 'owner', labInstanceId: w.instance.id, sub: h.users.student.id });
    expect((await rowOf(w.instance.id)).usedAt).not.toBeNull();

    const again = await login(password);
    expect(again).toEqual({ outcome: 'denied', code: 'UNAUTHENTICATED', message: expect.stringMatching(/^Permission denied: wrong username or password \(a one-time lab password/) });
  });

  it('opens only its own instance beside a second lab of the same name, by bare login or +name, and tells another name which login it is for', async () => {
    const second = await w.makeInstance();
    try {
      const r = await reveal(second.id);
      expect(r.login).toBe(`student+${second.id.slice(0, 8)}`);
      const wrongLab = await login(r.password, { lab: w.instance.id.slice(0, 8) });
      expect(wrongLab).toMatchObject({ outcome: 'accepted', ticket: null, message: `This one-time password is for ${r.login} (API test lab) only; log in with that name.` });
      expect((await rowOf(second.id)).usedAt).toBeNull();
      const bare = await login(r.password);
      expect(bare).toMatchObject({ outcome: 'accepted', lab: { login: second.id.slice(0, 8) } });
      if (bare.outcome !== 'accepted' || !bare.ticket) throw new Error('no ticket');
      expect((await verifyTicket(h.services.ticketKeys.publicKey, bare.ticket)).labInstanceId).toBe(second.id);
    } finally {
      await h.services.db.prisma.labInstance.update({ where: { id: second.id }, data: { status: 'stopped' } });
    }
  });

  it('refuses a password after 30 minutes, a replaced one, another user\'s, and one whose lab stopped opens nothing', async () => {
    const old = await reveal(w.instance.id);
    const current = await reveal(w.instance.id);
    expect(current.password).not.toBe(old.password);
    expect(await login(old.password)).toMatchObject({ outcome: 'denied', code: 'UNAUTHENTICATED' });
    expect(await login(current.password, { username: 'other-student' })).toMatchObject({ outcome: 'denied', code: 'UNAUTHENTICATED' });
    offsetMs = INSTANCE_PASSWORD_TTL_MS + 1000;
    try {
      expect(await login(current.password)).toMatchObject({ outcome: 'denied', code: 'UNAUTHENTICATED' });
    } finally {
      offsetMs = 0;
    }
    expect((await rowOf(w.instance.id)).usedAt).toBeNull();

    const lab = await w.makeInstance();
    const r = await reveal(lab.id);
    await h.services.db.prisma.labInstance.update({ where: { id: lab.id }, data: { status: 'stopped' } });
    expect(await login(r.password)).toMatchObject({ outcome: 'accepted', ticket: null, message: expect.stringMatching(/made for is not running/) });
  });

  it('lets one of two racing logins with the same password in', async () => {
    const { password } = await reveal(w.instance.id);
    const answers = await Promise.all([login(password), login(password), login(password)]);
    expect(answers.filter((a) => a.outcome === 'accepted' && a.ticket).length).toBe(1);
    expect(answers.filter((a) => a.outcome === 'denied').length).toBe(2);
  });

  it('counts wrong and used passwords in the sign-in throttle: after five, even a fresh password waits', async () => {
    const clientAddress = freshAddress();
    const { password } = await reveal(w.instance.id);
    expect(await login(password, { clientAddress })).toMatchObject({ outcome: 'accepted' });
    for (let i = 0; i < 4; i++) expect(await login(`wrong-${i}`, { clientAddress })).toMatchObject({ outcome: 'denied', code: 'UNAUTHENTICATED' });
    expect(await login(password, { clientAddress })).toMatchObject({ outcome: 'denied', code: 'UNAUTHENTICATED' });
    const fresh = await reveal(w.instance.id);
    expect(await login(fresh.password, { clientAddress })).toMatchObject({ outcome: 'denied', code: 'RATE_LIMITED' });
    // From another address the student is not held up.
    expect(await login(fresh.password)).toMatchObject({ outcome: 'accepted' });
  });

  it('audits reveals, refusals, use and denials, never with the password', async () => {
    const prisma = h.services.db.prisma;
    const since = new Date();
    const { password } = await reveal(w.instance.id);
    await outcomeOf(reveal(w.instance.id, 'otherStudent'));
    await login(password);
    await login(password);
    const entries = await prisma.auditLog.findMany({ where: { at: { gte: since }, action: { in: ['sshPasswords.reveal', 'ssh.login'] } }, orderBy: { id: 'asc' } });
    expect(entries.map((e) => [e.action, e.outcome, e.actorId, e.targetId])).toEqual([
      ['sshPasswords.reveal', 'success', h.users.student.id, w.instance.id],
      ['sshPasswords.reveal', 'denied', h.users.otherStudent.id, w.instance.id],
      ['ssh.login', 'success', h.users.student.id, h.users.student.id],
      ['ssh.login', 'denied', h.users.student.id, h.users.student.id],
    ]);
    expect(entries[2].detail).toMatchObject({ method: 'password', password: 'one-time', instanceId: w.instance.id });
    expect(JSON.stringify(entries.map((e) => e.detail))).not.toContain(password);
  });
});
