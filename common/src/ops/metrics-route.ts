/**
 * `GET /metrics` for every process (API, gateway, workers): the process's Prometheus registry, for a
 * scraper holding METRICS_TOKEN only. Route and procedure names, queue depths and load are a map for an
 * attacker, so without the token the route does not exist (404) and a wrong token is 401.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import { metricsRegistry } from './metrics';

export function registerMetricsRoute<L extends FastifyBaseLogger>(app: FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, L>, token: string | undefined): void {
  app.get('/metrics', async (req, reply) => {
    if (!token) return reply.code(404).send({ code: 'NOT_FOUND', message: 'not found' });
    if (!bearerMatches(req.headers.authorization, token)) {
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
