/**
 * Defence in depth against cross-site request forgery: a plain HTML form can POST `text/plain` or
 * `application/x-www-form-urlencoded` to us with the user's cookies, but not `application/json` (that
 * needs a CORS preflight we never grant). So API requests that carry a body must be JSON, or a file as
 * `application/octet-stream` (uploads into a lab: a form cannot send that type either). SameSite=Lax
 * cookies already stop most of this; this also covers older browsers and same-site subdomains.
 */
import type { FastifyInstance } from 'fastify';

export function requireJsonBodies(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
    if (!req.url.startsWith('/api/')) return;
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return;
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json' && type !== 'application/octet-stream') {
      return reply.code(415).send({ code: 'BAD_INPUT', message: 'send the request body as JSON (content-type: application/json)', field: 'content-type' });
    }
  });
}
