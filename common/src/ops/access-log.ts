/**
 * One access-log line per request, written when the response is sent: method, path, status and duration,
 * under the request id. It replaces Fastify's two default lines (incoming + completed), which also carry
 * the query string, where tRPC GET queries put their whole input. Probes (/healthz, /readyz, /metrics)
 * log at debug so a load balancer polling them does not fill the log. Every other internal log line of
 * Fastify (errors, 404s) keeps its default.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    const path = req.url.split('?', 1)[0];
    const line = { method: req.method, path, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) req.log.error({ ...line, err: error }, 'request failed');
    else if (PROBES.has(path)) req.log.debug(line, 'request');
    else req.log.info(line, 'request');
  }
}
