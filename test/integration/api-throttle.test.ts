/**
 * The sign-in throttle is shared by API replicas: two apps, each with its own Redis connection on one
 * key prefix (as two replicas on one Redis), count the same failed sign-ins.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@autolabs/server/app';
import { RedisSessionStore } from '@autolabs/server/infra/session-store/redis-session-store';
import { TEST_REDIS_URL } from '../setup/services';
import { PASSWORD, createHarness, uniq, type Harness } from './api-harness';

const prefix = `autolabs-throttle-${randomBytes(4).toString('hex')}:`;
let h: Harness;
let stores: RedisSessionStore[];
let apps: FastifyInstance[];

beforeAll(async () => {
  h = await createHarness({ backing: 'redis-rabbitmq' });
  stores = [0, 1].map((i) => new RedisSessionStore({ url: TEST_REDIS_URL, keyPrefix: prefix, connectionName: `autolabs-throttle-${i}` }));
  apps = await Promise.all(stores.map((sessionStore) => buildApp({ ...h.services, sessionStore })));
});

afterAll(async () => {
  await Promise.all((apps ?? []).map((app) => app.close()));
  await Promise.all((stores ?? []).map((s) => s.close()));
  await h?.close();
  // Leave nothing under our prefix in the shared Redis.
  const redis = new Redis(TEST_REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const login = (app: FastifyInstance, username: string, password: string) =>
  app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });

describe('sign-in throttle across API replicas', () => {
  it('failures split across two apps add up: the 11th attempt is refused on either app, even with the right password', async () => {
    const username = uniq('guessed');
    await h.services.db.prisma.user.create({ data: { username, displayName: username, passwordHash: h.users.student.passwordHash } });
    for (let i = 0; i < 10; i++) {
      const res = await login(apps[i % 2], username, `guess-${i}`);
      expect(res.statusCode).toBe(401);
    }
    for (const app of apps) {
      const res = await login(app, username, PASSWORD);
      expect(res.statusCode).toBe(429);
      expect(res.json()).toEqual({ code: 'QUOTA_EXCEEDED', message: 'too many failed sign-ins; try again in 15 minute(s)' });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(800);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // Only that username is throttled: another account still signs in from the same address.
    expect((await login(apps[1], 'teacher', PASSWORD)).statusCode).toBe(200);
  });

  it('nine failures split across the apps still let the right password in, on either app', async () => {
    const username = uniq('typo');
    await h.services.db.prisma.user.create({ data: { username, displayName: username, passwordHash: h.users.student.passwordHash } });
    for (let i = 0; i < 9; i++) expect((await login(apps[i % 2], username, `typo-${i}`)).statusCode).toBe(401);
    expect((await login(apps[1], username, PASSWORD)).statusCode).toBe(200);
  });
});
