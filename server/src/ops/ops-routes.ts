/**
 * Operations endpoints: /healthz (the process answers), /readyz (every backing service answers a ping
 * in time; 503 naming the ones that did not), /metrics (Prometheus, for a scraper holding METRICS_TOKEN:
 * route names, procedure names and load are a map for an attacker), plus the request-duration hook.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ApiServices } from '../trpc/api-services';
import { httpRequestDuration, metricsRegistry } from './metrics';
import { REQUEST_ID_HEADER } from './request-id';

const PING_TIMEOUT_MS = 3000;

async function check(name: string, ping: () => Promise<void>): Promise<{ name: string; ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
  });
  try {
    await Promise.race([ping(), timeout]);
    return { name, ok: true };
  } catch (e) {
    return { name, ok: false, error: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

export async function registerOpsRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  app.addHook('onRequest', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    // tRPC procedures are labelled by procedure, everything else by route pattern (bounded cardinality).
    const route = req.url.startsWith('/api/trpc/') ? `trpc:${req.url.slice('/api/trpc/'.length).split('?')[0].slice(0, 200)}` : (req.routeOptions.url ?? 'unmatched');
    httpRequestDuration.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (req, reply) => {
    const results = await Promise.all([
      check('database', () => services.db.ping()),
      check('sessionStore', () => services.sessionStore.ping()),
      check('queue', () => services.queue.ping()),
      check('objectStore', () => services.objectStore.ping()),
    ]);
    const failed = results.filter((r) => !r.ok);
    const checks = Object.fromEntries(results.map((r) => [r.name, r.ok ? 'ok' : r.error]));
    if (failed.length > 0) {
      req.log.warn({ failed: failed.map((f) => f.name), checks }, 'not ready');
      return reply.code(503).send({ status: 'unready', failed: failed.map((f) => f.name), checks });
    }
    return { status: 'ready', checks };
  });

  const metricsToken = services.env.METRICS_TOKEN;
  app.get('/metrics', async (req, reply) => {
    if (!metricsToken) return reply.code(404).send({ code: 'NOT_FOUND', message: 'not found' });
    if (!bearerMatches(req.headers.authorization, metricsToken)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .send({ code: 'UNAUTHENTICATED', message: 'metrics need the bearer token METRICS_TOKEN' });
    }
    reply.header('content-type', metricsRegistry.contentType);
    return metricsRegistry.metrics();
  });
}

/** Compares digests, so the time taken says nothing about how much of the token was right. */
function bearerMatches(authorization: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
  if (!presented) return false;
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(presented), digest(token));
}
