/**
 * One error type for everything we raise on purpose. `code` is stable (clients and tests match on it),
 * `message` is safe to show a user, `detail` goes to the log only, `field` names the input it concerns.
 */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_AVAILABLE_YET'
  | 'TICKET_INVALID'
  | 'TICKET_EXPIRED'
  | 'TICKET_REUSED'
  | 'LAB_CONFIG_INVALID'
  | 'QUOTA_EXCEEDED'
  | 'RATE_LIMITED'
  | 'RUNTIME_UNAVAILABLE'
  /** A lab's SSH server presented a host key other than the one pinned at start (ssh2 terminal backend). */
  | 'HOST_KEY_MISMATCH'
  /** A stored volume archive is not the one recorded (checksum or size differ) or is not a readable tar.gz. */
  | 'ARCHIVE_CORRUPT'
  /** More time for a lab than its limit allows (time-extension.ts: its start plus twice its ttl). */
  | 'TIME_LIMIT_EXCEEDED'
  /** A class progress table or its CSV export would hold more students than it may (class-progress.ts). */
  | 'PROGRESS_TOO_LARGE'
  /** A student raised their hand on a lab whose hand is already up (trpc/routers/hands.ts); nothing was added. */
  | 'HAND_ALREADY_RAISED'
  /** The caller's password was reset by an admin: they must choose a new one (me.changePassword) first. */
  | 'PASSWORD_CHANGE_REQUIRED'
  /** The backup bucket cannot be written or read: it is missing, or the object store refuses our credentials. */
  | 'BACKUP_TARGET_REFUSED'
  /** An object that is not a whole AutoLabs database backup (foreign, truncated, or not matching its manifest). */
  | 'BACKUP_INVALID'
  /** A backup whose schema has migrations this code does not know: it needs a newer AutoLabs to restore. */
  | 'BACKUP_SCHEMA_NEWER'
  /** A restore refused because other sessions are connected to the database (stop the API and workers first). */
  | 'DATABASE_IN_USE'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly detail?: unknown;

  constructor(code: ErrorCode, message: string, opts: { field?: string; detail?: unknown; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.field = opts.field;
    this.detail = opts.detail;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
