/**
 * The internal route the SSH front door asks (POST /internal/ssh/login), through the real app and
 * Postgres: invisible (404) without the shared secret, input checked at the edge, one answer for every
 * wrong credential, and the same ticket and session id as the browser's for the student's running lab.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@autolabs/server/app';
import { loadInternalSecret } from '@autolabs/common/platform/internal-secret';
import { parseSshPublicKey } from '@autolabs/server/ssh/ssh-public-key';
import { SSH_LOGIN_PATH, type SshLoginAnswer } from '@autolabs/common/ssh/ssh-login-wire';
import { verifyTicket } from '@autolabs/common/tickets/ticket';
import { PASSWORD, createHarness, seedWorld, type Harness, type World } from './api-harness';
import { generateKey } from '../ssh/ssh-tools';

let h: Harness;
let w: World;
let app: FastifyInstance;
let secret: string;
const key = generateKey('ed25519');
const blob = key.publicLine.split(' ')[1];

beforeAll(async () => {
  h = await createHarness();
  w = await seedWorld(h);
  app = await buildApp(h.services);
  secret = await loadInternalSecret({ dataDir: h.services.env.AUTOLABS_DATA_DIR });
  const parsed = parseSshPublicKey(key.publicLine);
  await h.services.db.prisma.sshPublicKey.create({
    data: { userId: h.users.student.id, name: 'k', keyType: parsed.type, publicKey: parsed.line, fingerprint: parsed.fingerprint },
  });
});
afterAll(async () => {
  await app?.close();
  await h?.close();
});

const login = (body: unknown, auth: string | null = `Bearer ${secret}`) =>
  app.inject({ method: 'POST', url: SSH_LOGIN_PATH, headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, payload: JSON.stringify(body) });

const request = (username: string, credential: unknown) => ({ username, lab: null, credential, clientAddress: '192.0.2.7' });

describe(SSH_LOGIN_PATH, () => {
  it('answers 404 without the secret or with a wrong one, as if it did not exist', async () => {
    const body = request('student', { kind: 'publickey', key: blob });
    expect((await login(body, null)).statusCode).toBe(404);
    expect((await login(body, 'Bearer not-the-secret')).statusCode).toBe(404);
    expect((await login(body, secret)).statusCode).toBe(404);
  });

  it('refuses malformed requests with BAD_INPUT and the field', async () => {
    const res = await login({ ...request('student', { kind: 'password', password: 'x'.repeat(500) }) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'BAD_INPUT', field: 'credential.password' });
  });

  it('gives the same denial for another user\'s key, an unknown user and a wrong password', async () => {
    for (const body of [request('other-student', { kind: 'publickey', key: blob }), request('nobody', { kind: 'publickey', key: blob })]) {
      expect((await login(body)).json()).toMatchObject({ outcome: 'denied', code: 'UNAUTHENTICATED', message: expect.stringMatching(/this key is not on that account's profile/) });
    }
    expect((await login(request('student', { kind: 'password', password: 'wrong password' }))).json()).toMatchObject({ outcome: 'denied', code: 'UNAUTHENTICATED' });
  });

  it('lands the key\'s owner in their running lab with the browser\'s owner ticket and session id', async () => {
    const answer = (await login(request('student', { kind: 'publickey', key: blob }))).json() as SshLoginAnswer;
    expect(answer).toMatchObject({ outcome: 'accepted', userId: h.users.student.id, lab: { login: 'api-test-lab' } });
    if (answer.outcome !== 'accepted' || !answer.ticket) throw new Error('no ticket');
    const ticket = await verifyTicket(h.services.ticketKeys.publicKey, answer.ticket);
    expect(ticket).toMatchObject({ sub: h.users.student.id, ownerId: h.users.student.id, mode: 'owner', labInstanceId: w.instance.id, sid: `term-${w.instance.id}` });
    const used = await h.services.db.prisma.sshPublicKey.findFirst({ where: { userId: h.users.student.id } });
    expect(used?.lastUsedAt).not.toBeNull();
  });

  it('takes the account password too', async () => {
    const answer = (await login(request('student', { kind: 'password', password: PASSWORD }))).json() as SshLoginAnswer;
    expect(answer).toMatchObject({ outcome: 'accepted', userId: h.users.student.id, ticket: expect.any(String) });
  });
});
