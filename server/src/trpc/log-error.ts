/**
 * One log line per failed API call: server faults at error level with the full cause (the client got
 * only "internal error"), refusals at warn, bad input and the like at info.
 */
import type { TRPCError } from '@trpc/server';
import type { FastifyBaseLogger } from 'fastify';
import { describeError } from './errors';

export function logApiError(log: FastifyBaseLogger, path: string | undefined, error: TRPCError): void {
  const { data } = describeError(error);
  const fields = { procedure: path, code: data.appCode, field: data.field ?? undefined };
  if (error.code === 'INTERNAL_SERVER_ERROR') log.error({ ...fields, err: error.cause ?? error }, 'api call failed');
  else if (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN') log.warn({ ...fields, reason: error.message }, 'api call refused');
  else log.info({ ...fields, reason: error.message }, 'api call rejected');
}
