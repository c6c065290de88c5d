/**
 * The sign-in throttle attacked through the real API. Two apps, each with its own Redis connection on one
 * key prefix (as two replicas on one Redis), count the same failed sign-ins; a third app sits behind a
 * trusted proxy (TRUST_PROXY=127.0.0.1). Every app reads one injected clock, so waits are stepped through
 * rather than slept. Addresses come from `inject`'s remoteAddress: the socket's address.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@autolabs/server/app';
import { loadEnv } from '@autolabs/common/config/env';
import { RedisSessionStore } from '@autolabs/common/session-store/redis-session-store';
import { TEST_REDIS_URL } from '../setup/services';
import { PASSWORD, createHarness, uniq, type Harness } from './api-harness';

const prefix = `autolabs-throttle-${randomBytes(4).toString('hex')}:`;
let h: Harness;
let stores: RedisSessionStore[];
let apps: FastifyInstance[];
let proxied: FastifyInstance;
let clockMs = Date.now();
const advance = (ms: number) => {
  clockMs += ms;
};

beforeAll(async () => {
  h = await createHarness({ backing: 'redis-rabbitmq' });
  stores = [0, 1].map((i) => new RedisSessionStore({ url: TEST_REDIS_URL, keyPrefix: prefix, connectionName: `autolabs-throttle-${i}` }));
  const now = () => clockMs;
  apps = await Promise.all(stores.map((sessionStore) => buildApp({ ...h.services, sessionStore }, { now })));
  const env = { ...h.services.env, TRUST_PROXY: loadEnv({ TRUST_PROXY: '127.0.0.1' }).TRUST_PROXY };
  proxied = await buildApp({ ...h.services, env, sessionStore: stores[0] }, { now });
});

afterAll(async () => {
  await Promise.all([...(apps ?? []), proxied].filter(Boolean).map((app) => app.close()));
  await Promise.all((stores ?? []).map((s) => s.close()));
  await h?.close();
  // Leave nothing under our prefix in the shared Redis.
  const redis = new Redis(TEST_REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const ATTACKER = '198.51.100.7';
const ADA_AT_HOME = '203.0.113.20';

function login(app: FastifyInstance, username: string, password: string, from: { remoteAddress?: string; forwardedFor?: string } = {}) {
  const headers = from.forwardedFor ? { 'x-forwarded-for': from.forwardedFor } : {};
  return app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, headers, remoteAddress: from.remoteAddress ?? '127.0.0.1' });
}

async function newUser(name: string): Promise<string> {
  const username = uniq(name);
  await h.services.db.prisma.user.create({ data: { username, displayName: username, passwordHash: h.users.student.passwordHash } });
  return username;
}

async function expectWait(app: FastifyInstance, username: string, from: { remoteAddress?: string; forwardedFor?: string }, seconds: number) {
  // The right password: a wait is kept whatever the password, which is not even checked.
  const res = await login(app, username, PASSWORD, from);
  expect(res.statusCode).toBe(429);
  expect(res.json()).toEqual({ code: 'RATE_LIMITED', message: `too many failed sign-ins; try again in ${seconds} second(s)` });
  expect(res.headers['retry-after']).toBe(String(seconds));
  expect(res.headers['set-cookie']).toBeUndefined();
}

describe('sign-in throttle under attack, across API replicas', () => {
  it('an attacker hammering wrong passwords for a user from one address does not stop that user signing in from another', async () => {
    const username = await newUser('ada');
    // Fifty tries at once, then two hours of trying again as soon as each Retry-After allows.
    let guesses = 0;
    const guess = async (i: number) => {
      const res = await login(apps[i % 2], username, `guess-${i}`, { remoteAddress: ATTACKER });
      expect([401, 429]).toContain(res.statusCode);
      if (res.statusCode === 401) guesses++;
      return res;
    };
    for (let i = 0; i < 50; i++) await guess(i);
    expect(guesses).toBe(5);
    const start = clockMs;
    for (let i = 50; clockMs - start < 2 * 3_600_000; i++) {
      const res = await guess(i);
      if (res.statusCode === 429) advance(Number(res.headers['retry-after']) * 1000);
    }
    // 5 free, 9 after growing waits of 1 s to 256 s, then one per 5 minutes (37 in two hours).
    expect(guesses).toBeLessThanOrEqual(40);
    expect((await guess(0)).statusCode).toBe(401);
    const attacker = await login(apps[0], username, PASSWORD, { remoteAddress: ATTACKER });
    expect(attacker.statusCode).toBe(429);
    expect(attacker.json()).toEqual({ code: 'RATE_LIMITED', message: 'too many failed sign-ins; try again in 5 minute(s)' });
    expect(attacker.headers['retry-after']).toBe('300');
    const ada = await login(apps[1], username, PASSWORD, { remoteAddress: ADA_AT_HOME });
    expect(ada.statusCode).toBe(200);
    expect(ada.headers['set-cookie']).toBeDefined();
  });

  it('guessing spread over many addresses slows each of them after one failure, yet the user signs in from a fresh address', async () => {
    const username = await newUser('spread');
    for (let i = 0; i < 25; i++) expect((await login(apps[i % 2], username, `guess-${i}`, { remoteAddress: `198.51.100.${100 + i}` })).statusCode).toBe(401);
    await expectWait(apps[0], username, { remoteAddress: '198.51.100.100' }, 1);
    const ada = await login(apps[1], username, PASSWORD, { remoteAddress: ADA_AT_HOME });
    expect(ada.statusCode).toBe(200);
  });

  it('failures split across two apps add up: after five the pair waits 1 s, then 2 s, then 4 s, on either app', async () => {
    const username = await newUser('guessed');
    const from = { remoteAddress: ATTACKER };
    for (let i = 0; i < 5; i++) expect((await login(apps[i % 2], username, `guess-${i}`, from)).statusCode).toBe(401);
    for (const app of apps) await expectWait(app, username, from, 1);
    advance(1000);
    expect((await login(apps[0], username, 'guess-5', from)).statusCode).toBe(401);
    for (const app of apps) await expectWait(app, username, from, 2);
    advance(1000);
    await expectWait(apps[1], username, from, 1);
    advance(1000);
    expect((await login(apps[1], username, 'guess-6', from)).statusCode).toBe(401);
    await expectWait(apps[0], username, from, 4);
    const throttled = await h.services.db.prisma.auditLog.count({ where: { action: 'auth.login', detail: { path: ['username'], equals: username }, outcome: 'denied' } });
    expect(throttled).toBe(7 + 6);
    // Another account is not held back on that address.
    expect((await login(apps[1], 'teacher', PASSWORD, from)).statusCode).toBe(200);
  });

  it('once the wait is over the right password signs in and the pair starts afresh', async () => {
    const username = await newUser('typo');
    const from = { remoteAddress: ADA_AT_HOME };
    for (let i = 0; i < 4; i++) expect((await login(apps[i % 2], username, `typo-${i}`, from)).statusCode).toBe(401);
    expect((await login(apps[0], username, 'typo-4', from)).statusCode).toBe(401);
    await expectWait(apps[1], username, from, 1);
    advance(1000);
    expect((await login(apps[1], username, PASSWORD, from)).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await login(apps[i % 2], username, `typo-again-${i}`, from)).statusCode).toBe(401);
  });
});

describe('which address is counted', () => {
  it('with TRUST_PROXY unset, a forged X-Forwarded-For does not give a client a fresh count', async () => {
    const username = await newUser('forged');
    for (let i = 0; i < 5; i++) {
      expect((await login(apps[i % 2], username, `guess-${i}`, { remoteAddress: ATTACKER, forwardedFor: `192.0.2.${i}` })).statusCode).toBe(401);
    }
    await expectWait(apps[0], username, { remoteAddress: ATTACKER, forwardedFor: '192.0.2.200' }, 1);
    expect((await login(apps[1], username, PASSWORD, { remoteAddress: ADA_AT_HOME, forwardedFor: ATTACKER })).statusCode).toBe(200);
  });

  it('with TRUST_PROXY=127.0.0.1, the client the proxy reports is counted, and nobody else can choose their address', async () => {
    const username = await newUser('proxied');
    const viaProxy = (client: string) => ({ remoteAddress: '127.0.0.1', forwardedFor: client });
    for (let i = 0; i < 5; i++) expect((await login(proxied, username, `guess-${i}`, viaProxy('192.0.2.10'))).statusCode).toBe(401);
    await expectWait(proxied, username, viaProxy('192.0.2.10'), 1);
    // What a client puts in front of the proxy's entry is not believed: the proxy saw 192.0.2.10.
    await expectWait(proxied, username, viaProxy('203.0.113.99, 192.0.2.10'), 1);
    expect((await login(proxied, username, PASSWORD, viaProxy('192.0.2.11'))).statusCode).toBe(200);

    // A client reaching the API without going through the proxy is counted by its socket address.
    const direct = await newUser('direct');
    for (let i = 0; i < 5; i++) {
      expect((await login(proxied, direct, `guess-${i}`, { remoteAddress: ATTACKER, forwardedFor: `192.0.2.${50 + i}` })).statusCode).toBe(401);
    }
    await expectWait(proxied, direct, { remoteAddress: ATTACKER, forwardedFor: '192.0.2.99' }, 1);
  });
});
