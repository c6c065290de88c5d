/**
 * tRPC building blocks: the one `t`, the error formatter (adds `appCode` and `field`), and the procedure
 * ladder every router uses:
 *   publicProcedure -> authedProcedure (a caller) -> roleProcedure(...roles) (one of these global roles).
 * A caller whose password an admin reset gets PASSWORD_CHANGE_REQUIRED from every authed procedure but those
 * marked `meta({ beforePasswordChange: true })`.
 * Ownership (a teacher only for courses they teach, a student only their own instances) is checked in the
 * procedures with access.ts, because it depends on the input.
 *
 * Auditing sits under every procedure, before authentication, so denied attempts are recorded too:
 * every mutation, and queries marked `meta({ audit: true })`, write one audit_logs row with outcome
 * success / denied / error.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import type { Prisma } from '../generated/prisma/client';
import { AppError, isAppError } from '@autolabs/common/errors/app-error';
import { auditInput } from '../audit/audit-input';
import { recordAudit } from '../audit/audit-log';
import type { Role } from '../auth/caller';
import type { Context } from './context';
import { describeError, toTRPCError } from './errors';

export interface ProcedureMeta {
  /** Audit this query too (mutations always are). */
  audit?: boolean;
  /** Answers a caller who must still change a password an admin reset (me.get, me.changePassword); nothing else does. */
  beforePasswordChange?: boolean;
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    errorFormatter({ shape, error }) {
      const { message, data } = describeError(error);
      return { ...shape, message, data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, ...data } };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Procedures throw AppError freely; this gives them their proper tRPC code instead of a 500. */
const appErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR' && isAppError(result.error.cause)) {
    return { ...result, error: toTRPCError(result.error.cause) };
  }
  return result;
});

const DENIED = new Set<TRPCError['code']>(['UNAUTHORIZED', 'FORBIDDEN', 'TOO_MANY_REQUESTS']);
const TARGET_KEYS = ['id', 'instanceId', 'sessionId', 'groupId', 'assignmentId', 'courseId', 'labConfigId', 'userId', 'name'];

function targetIdOf(...candidates: unknown[]): string | null {
  for (const c of candidates) {
    if (c === null || typeof c !== 'object') continue;
    const record = c as Record<string, unknown>;
    for (const key of TARGET_KEYS) {
      const v = record[key];
      if (typeof v === 'string' && v.length > 0) return v;
    }
  }
  return null;
}

const audit = t.middleware(async ({ ctx, type, path, meta, getRawInput, next }) => {
  if (type !== 'mutation' && !meta?.audit) return next();
  const result = await next();
  const input = await getRawInput().catch(() => undefined);
  const detail: Record<string, Prisma.InputJsonValue | null> = { input: auditInput(input) };
  let outcome: 'success' | 'denied' | 'error' = 'success';
  if (!result.ok) {
    outcome = DENIED.has(result.error.code) ? 'denied' : 'error';
    const { message, data } = describeError(result.error);
    Object.assign(detail, { code: data.appCode, message, ...(data.field ? { field: data.field } : {}) });
  }
  await recordAudit(ctx.services.db.prisma, ctx.log, {
    actorId: ctx.caller?.id ?? null,
    actorRole: ctx.caller?.role ?? null,
    action: path,
    targetType: path.split('.')[0],
    targetId: targetIdOf(result.ok ? result.data : null, input),
    outcome,
    detail,
    requestId: ctx.requestId,
  });
  return result;
});

const authed = t.middleware(({ ctx, meta, next }) => {
  if (!ctx.caller) throw toTRPCError(ctx.authError ?? new AppError('UNAUTHENTICATED', 'sign in first'));
  if (ctx.caller.mustChangePassword && !meta?.beforePasswordChange) {
    throw toTRPCError(new AppError('PASSWORD_CHANGE_REQUIRED', 'an administrator reset your password: choose a new one first'));
  }
  return next({ ctx: { ...ctx, caller: ctx.caller } });
});

export const publicProcedure = t.procedure.use(audit).use(appErrors);
export const authedProcedure = publicProcedure.use(authed);

export function roleProcedure(...roles: Role[]) {
  return authedProcedure.use(({ ctx, next }) => {
    if (!roles.includes(ctx.caller.role)) {
      throw toTRPCError(new AppError('FORBIDDEN', `only ${roles.join(' or ')} may do this`));
    }
    return next();
  });
}

export type AuthedContext = Context & { caller: NonNullable<Context['caller']> };
