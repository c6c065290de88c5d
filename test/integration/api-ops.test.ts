/**
 * Operations surface of the API on real Postgres, Redis and RabbitMQ: health and readiness (naming the
 * failed dependency), Prometheus metrics, request ids in responses and logs, secrets kept out of logs,
 * and server faults answered without their internals.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@autolabs/server/app';
import { REDACT_PATHS } from '@autolabs/common/process/run-process';
import { PASSWORD, createHarness, type Harness } from './api-harness';

let h: Harness;
let app: FastifyInstance;
const logLines: string[] = [];
const METRICS_TOKEN = 'scrape-token-0123456789abcdef';

beforeAll(async () => {
  h = await createHarness({ backing: 'redis-rabbitmq', env: { METRICS_TOKEN } });
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
  app = await buildApp(h.services, { logger });
});

afterAll(async () => {
  await app?.close();
  await h?.close();
});

describe('health and readiness', () => {
  it('/healthz answers while the process is up', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when database, session store, queue and object store all answer', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { database: 'ok', sessionStore: 'ok', queue: 'ok', objectStore: 'ok' } });
  });
});

describe('metrics', () => {
  it('/metrics exposes request durations by route and tRPC procedure, plus process metrics, to a scraper with METRICS_TOKEN', async () => {
    await app.inject({ method: 'GET', url: '/healthz' });
    await app.inject({ method: 'GET', url: '/api/trpc/me.get' });
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/autolabs_http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} [1-9]/);
    expect(res.body).toMatch(/autolabs_http_request_duration_seconds_count\{method="GET",route="trpc:me.get",status_code="401"\} [1-9]/);
    expect(res.body).toContain('autolabs_process_cpu_user_seconds_total');
  });

  it('/metrics is 401 UNAUTHENTICATED without the token, with a wrong one, or with it outside a Bearer header', async () => {
    for (const headers of [{}, { authorization: `Bearer ${METRICS_TOKEN}x` }, { authorization: 'Bearer ' }, { authorization: `Basic ${METRICS_TOKEN}` }]) {
      const res = await app.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(res.body).not.toContain('autolabs_');
    }
  });

  it('/metrics is 404 when METRICS_TOKEN is not set, whatever the request carries', async () => {
    const { METRICS_TOKEN: _token, ...env } = h.services.env;
    const closed = await buildApp({ ...h.services, env });
    try {
      for (const headers of [{}, { authorization: 'Bearer anything-at-all-0123456789' }]) {
        const res = await closed.inject({ method: 'GET', url: '/metrics', headers });
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ code: 'NOT_FOUND', message: 'not found' });
      }
    } finally {
      await closed.close();
    }
  });
});

describe('request ids and logs', () => {
  it('answers a page-sized tRPC batch whose procedure list is longer than a default route parameter', async () => {
    const procedures = Array.from({ length: 20 }, () => 'me.get').join(',');
    const res = await app.inject({ method: 'GET', url: `/api/trpc/${procedures}?batch=1&input=%7B%7D` });
    expect(procedures.length).toBeGreaterThan(100);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toHaveLength(20);
  });

  it('echoes a well-formed incoming x-request-id and logs under it; replaces a malformed one', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'edge-1234' } });
    expect(res.headers['x-request-id']).toBe('edge-1234');
    expect(logLines.some((l) => JSON.parse(l).reqId === 'edge-1234')).toBe(true);
    const bad = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs one access line per request, with status and duration but without the query string', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/trpc/me.get?input=%7B%22secret%22%3A%22in-the-query%22%7D', headers: { 'x-request-id': 'access-1' } });
    expect(res.statusCode).toBe(401);
    const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.reqId === 'access-1' && l.msg === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'GET', path: '/api/trpc/me.get', statusCode: 401, level: 30 });
    expect(typeof lines[0].ms).toBe('number');
    expect(logLines.join('\n')).not.toContain('in-the-query');
  });

  it('passwords, cookies and bearer tokens never reach the log', async () => {
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'teacher', password: PASSWORD } });
    const token = /autolabs_session=([^;]+)/.exec(String(login.headers['set-cookie']))?.[1] ?? '';
    expect(token.length).toBeGreaterThan(20);
    await app.inject({ method: 'GET', url: '/api/trpc/me.get', headers: { cookie: `autolabs_session=${token}` } });
    await app.inject({ method: 'GET', url: '/api/trpc/me.get', headers: { authorization: 'Bearer not.a.secret-but-still-a-token' } });
    await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'teacher', password: 'a-wrong-secret-password' } });
    const all = logLines.join('\n');
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain('a-wrong-secret-password');
    expect(all).not.toContain(token);
    expect(all).not.toContain('not.a.secret-but-still-a-token');
    // The refused sign-in and the refused token are logged, with their reason.
    expect(all).toContain('sign-in refused');
    expect(all).toContain('authentication failed');
  });
});

describe('failures', () => {
  it('a body over the limit is 413 PAYLOAD_TOO_LARGE and malformed JSON is 400 BAD_INPUT, in the API error shape', async () => {
    const big = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username: 'x'.repeat(3 * 1024 * 1024), password: 'y' }) });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const bad = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"username": ' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'BAD_INPUT' });
  });

  it('/readyz is 503 naming the dependency that stopped answering', async () => {
    const broken = await createHarness({ backing: 'memory' });
    const brokenApp = await buildApp(broken.services);
    try {
      await broken.services.queue.close();
      const res = await brokenApp.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'unready', failed: ['queue'], checks: { database: 'ok', sessionStore: 'ok', objectStore: 'ok' } });
    } finally {
      await brokenApp.close();
      await broken.close();
    }
  });

  it('a server fault is answered as INTERNAL "internal error" without database details, and logged in full', async () => {
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: PASSWORD } });
    const cookie = String(login.headers['set-cookie']).split(';')[0];
    await h.services.db.prisma.$executeRawUnsafe('DROP TABLE "course_members" CASCADE');
    const res = await app.inject({ method: 'GET', url: '/api/trpc/courses.list', headers: { cookie } });
    expect(res.statusCode).toBe(500);
    expect(res.json().error).toMatchObject({ message: 'internal error', data: { appCode: 'INTERNAL', field: null } });
    expect(res.body).not.toContain('course_members');
    expect(logLines.some((l) => l.includes('"procedure":"courses.list"') && l.includes('course_members'))).toBe(true);
  });
});
