/** Per-request context: services, the resolved caller (or why authentication failed), request id. */
import type {} from '@fastify/cookie';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator';
import type { Caller } from '../auth/caller';
import { SESSION_COOKIE } from '../auth/cookie-session';
import { AppError, isAppError } from '@autolabs/common/errors/app-error';
import type { ApiServices } from './api-services';

export interface Context {
  services: ApiServices;
  caller: Caller | null;
  /** Set when credentials were presented but did not check out; authed procedures throw it. */
  authError: AppError | null;
  requestId: string | null;
  log: FastifyBaseLogger;
}

export async function createRequestContext(
  services: ApiServices,
  authenticator: Authenticator,
  req: FastifyRequest,
): Promise<Context> {
  const base = { services, requestId: req.id, log: req.log };
  try {
    const caller = await authenticator.authenticate({
      authorization: req.headers.authorization,
      sessionToken: req.cookies?.[SESSION_COOKIE],
    });
    return { ...base, caller, authError: null };
  } catch (e) {
    if (!isAppError(e)) throw e;
    req.log.info({ code: e.code, reason: e.message }, 'authentication failed');
    return { ...base, caller: null, authError: e };
  }
}
