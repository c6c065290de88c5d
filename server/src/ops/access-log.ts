/**
 * One access-log line per request, written when the response is sent: method, path, status and duration,
 * under the request id. It replaces Fastify's two default lines (incoming + completed), which also carry
 * the query string, where tRPC GET queries put their whole input. Probes (/healthz, /readyz, /metrics)
 * log at debug so a load balancer polling them does not fill the log.
 */
import type { FastifyInstance } from 'fastify';

const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

export function registerAccessLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (req, reply) => {
    const path = req.url.split('?', 1)[0];
    const line = { method: req.method, path, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (PROBES.has(path)) req.log.debug(line, 'request');
    else req.log.info(line, 'request');
  });
}
