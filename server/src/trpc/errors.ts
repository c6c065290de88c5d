/**
 * AppError <-> tRPC. Procedures throw AppError (or call `fail`); clients read `data.appCode` and
 * `data.field`, never parse messages. 5xx messages are replaced so internals never reach a client.
 */
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { z } from 'zod';
import { AppError, isAppError, type ErrorCode } from '@autolabs/common/errors/app-error';

const TRPC_CODE: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  BAD_INPUT: 'BAD_REQUEST',
  UNAUTHENTICATED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  NOT_AVAILABLE_YET: 'NOT_IMPLEMENTED',
  TICKET_INVALID: 'UNAUTHORIZED',
  TICKET_EXPIRED: 'UNAUTHORIZED',
  TICKET_REUSED: 'UNAUTHORIZED',
  LAB_CONFIG_INVALID: 'BAD_REQUEST',
  QUOTA_EXCEEDED: 'TOO_MANY_REQUESTS',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  RUNTIME_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  HOST_KEY_MISMATCH: 'SERVICE_UNAVAILABLE',
  ARCHIVE_CORRUPT: 'UNPROCESSABLE_CONTENT',
  TIME_LIMIT_EXCEEDED: 'UNPROCESSABLE_CONTENT',
  PROGRESS_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  HAND_ALREADY_RAISED: 'CONFLICT',
  PASSWORD_CHANGE_REQUIRED: 'FORBIDDEN',
  BACKUP_TARGET_REFUSED: 'PRECONDITION_FAILED',
  BACKUP_INVALID: 'UNPROCESSABLE_CONTENT',
  BACKUP_SCHEMA_NEWER: 'PRECONDITION_FAILED',
  DATABASE_IN_USE: 'CONFLICT',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
};

const APP_CODE: Partial<Record<TRPC_ERROR_CODE_KEY, ErrorCode>> = {
  BAD_REQUEST: 'BAD_INPUT',
  PARSE_ERROR: 'BAD_INPUT',
  UNAUTHORIZED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_SUPPORTED: 'BAD_INPUT',
  CONFLICT: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  TOO_MANY_REQUESTS: 'QUOTA_EXCEEDED',
  NOT_IMPLEMENTED: 'NOT_AVAILABLE_YET',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

export function toTRPCError(e: AppError): TRPCError {
  return new TRPCError({ code: TRPC_CODE[e.code], message: e.message, cause: e });
}

/** Throw an AppError the way procedures do. */
export function fail(code: ErrorCode, message: string, opts: { field?: string; detail?: unknown } = {}): never {
  throw toTRPCError(new AppError(code, message, opts));
}

export function appErrorOf(error: TRPCError): AppError | null {
  return isAppError(error.cause) ? error.cause : null;
}

export interface ErrorData {
  appCode: ErrorCode;
  field: string | null;
  /** LAB_CONFIG_INVALID: every problem with its path. */
  errors?: { path: string; message: string; line?: number }[];
}

/** What the error formatter sends: stable code, the field concerned, a message safe to show. */
export function describeError(error: TRPCError): { message: string; data: ErrorData } {
  const app = appErrorOf(error);
  if (app) {
    const data: ErrorData = { appCode: app.code, field: app.field ?? null };
    if (app.code === 'LAB_CONFIG_INVALID') data.errors = labErrors(app.detail);
    return { message: app.code === 'INTERNAL' ? 'internal error' : app.message, data };
  }
  if (error.cause instanceof z.ZodError) {
    const issue = error.cause.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : null;
    return { message: field ? `${field}: ${issue.message}` : (issue?.message ?? 'bad input'), data: { appCode: 'BAD_INPUT', field } };
  }
  const appCode = APP_CODE[error.code] ?? 'INTERNAL';
  return { message: appCode === 'INTERNAL' ? 'internal error' : error.message, data: { appCode, field: null } };
}

function labErrors(detail: unknown): ErrorData['errors'] {
  const parsed = z
    .object({ errors: z.array(z.object({ path: z.string(), message: z.string(), line: z.number().optional() })) })
    .safeParse(detail);
  return parsed.success ? parsed.data.errors : [];
}
