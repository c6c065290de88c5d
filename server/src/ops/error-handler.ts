/**
 * Errors outside tRPC (body too large, malformed JSON, a fault in a plain route) get the same answer
 * shape as the auth routes: `{ code, message }` with a stable AppError code, 5xx without internals.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError, type ErrorCode } from '@autolabs/common/errors/app-error';

const BY_STATUS: Record<number, ErrorCode> = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE' };
const STATUS_OF: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, PAYLOAD_TOO_LARGE: 413, RATE_LIMITED: 429, ARCHIVE_CORRUPT: 422, SERVICE_UNAVAILABLE: 503 };

export function handleError(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (isAppError(error)) {
    const status = STATUS_OF[error.code] ?? (error.code === 'INTERNAL' ? 500 : 400);
    if (status >= 500) req.log.error({ err: error }, 'request failed');
    else req.log.info({ code: error.code, reason: error.message }, 'request rejected');
    return reply.code(status).send({ code: error.code, message: status >= 500 && error.code === 'INTERNAL' ? 'internal error' : error.message, field: error.field ?? null });
  }
  const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
  if (status >= 500) {
    req.log.error({ err: error }, 'request failed');
    return reply.code(status).send({ code: 'INTERNAL', message: 'internal error' });
  }
  const code = BY_STATUS[status] ?? 'BAD_INPUT';
  req.log.info({ code, reason: error.message }, 'request rejected');
  return reply.code(status).send({ code, message: error.message });
}
