import { describeError } from '../api/describe-error';

/** Ticket failures after which retrying the connection cannot help; the page shows them and stops. */
const FATAL = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_INPUT', 'CONFLICT', 'NOT_AVAILABLE_YET']);

export function isFatalTicketError(e: unknown): boolean {
  return FATAL.has(describeError(e).code);
}
