/**
 * The edge between Kubernetes API calls and our errors: an ApiException from @kubernetes/client-node
 * becomes an AppError whose message is the apiserver's own (its validation text is precise and what a
 * teacher needs to fix a lab), with the first offending field when the apiserver names one. A failure to
 * reach the apiserver at all becomes RUNTIME_UNAVAILABLE.
 *
 * Transient failures (the apiserver cannot be reached, is restarting, or answers 429 / 5xx) are marked as
 * such (`isTransient`): the wait loops keep trying them until their deadline instead of giving up at once.
 */
import { ApiException } from '@kubernetes/client-node';
import { AppError, type ErrorCode } from '@autolabs/common/errors/app-error';

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

function parseStatus(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return typeof body === 'object' && body !== null ? (body as StatusBody) : {};
}

function codeFor(status: number): ErrorCode {
  if (status === 400 || status === 422) return 'BAD_INPUT';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  return 'RUNTIME_UNAVAILABLE';
}

/** Converts an ApiException; anything else is returned unchanged. */
export function toAppError(e: unknown): unknown {
  if (!(e instanceof ApiException)) return e;
  const status = parseStatus(e.body);
  const message = status.message || `Kubernetes API answered ${e.code}`;
  return new AppError(codeFor(e.code), message, {
    field: status.details?.causes?.find((c) => c.field)?.field,
    detail: { httpStatus: e.code, reason: status.reason, transient: e.code === 429 || e.code >= 500 },
    cause: e,
  });
}

/**
 * Runs one API call, rethrowing an apiserver failure as an AppError and a failure to reach the apiserver
 * (connection refused, DNS, TLS, timeout) as RUNTIME_UNAVAILABLE. Anything else (a bug) passes unchanged.
 */
export async function kubeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    const converted = toAppError(e);
    if (converted instanceof AppError || !isNetworkError(e)) throw converted;
    // The message reaches lab cards: the error's code, not the apiserver's address (that goes to the log).
    const code = (e as { code?: unknown }).code;
    const why = typeof code === 'string' ? ` (${code})` : '';
    throw new AppError('RUNTIME_UNAVAILABLE', `cannot reach the Kubernetes API server${why}`, { cause: e, detail: { transient: true, error: (e as Error).message } });
  }
}

/** node-fetch (used by client-node) raises FetchError for every transport failure; sockets raise E* codes. */
function isNetworkError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  return e.name === 'FetchError' || e.name === 'AbortError' || (typeof code === 'string' && code.startsWith('E'));
}

/** True for the AppError kubeCall raises when the object does not exist. */
export function isNotFound(e: unknown): boolean {
  return e instanceof AppError && e.code === 'NOT_FOUND';
}

export function isAlreadyExists(e: unknown): boolean {
  return e instanceof AppError && e.code === 'CONFLICT' && (e.detail as { reason?: string } | undefined)?.reason === 'AlreadyExists';
}

/** True for a failure that may pass by itself: the apiserver unreachable, restarting or overloaded. */
export function isTransient(e: unknown): boolean {
  return e instanceof AppError && (e.detail as { transient?: boolean } | undefined)?.transient === true;
}
