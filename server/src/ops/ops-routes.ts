/**
 * Operations endpoints: /healthz (the process answers), /readyz (every backing service answers a ping
 * in time; 503 naming the ones that did not), /metrics (metrics-route.ts), plus the request-duration hook.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiServices } from '../trpc/api-services';
import { httpRequestDuration } from '@autolabs/common/ops/metrics';
import { registerMetricsRoute } from '@autolabs/common/ops/metrics-route';
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

  registerMetricsRoute(app, services.env.METRICS_TOKEN);
}
