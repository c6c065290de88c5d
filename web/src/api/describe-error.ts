/**
 * Turns whatever a call threw into something a page can show: the stable AppError code (`data.appCode`
 * from the server's error formatter), a user-safe message and the input field it concerns.
 */
export interface ShownError {
  code: string;
  message: string;
  field?: string;
}

interface ErrorShape {
  message?: unknown;
  data?: { appCode?: unknown; code?: unknown; field?: unknown } | null;
  code?: unknown;
  field?: unknown;
}

/** Server messages that say nothing to a person, and what to say instead. */
const GENERIC: Record<string, string> = {
  'internal error': 'Something went wrong on our side. Try again in a moment.',
  'bad input': 'Something in what was entered is not valid.',
};

/** The message for people: a generic one replaced, never a bare code (ErrorNote capitalises it in CSS). */
export function humanMessage(error: ShownError): string {
  const text = GENERIC[error.message.trim().toLowerCase()] ?? error.message.trim();
  return !text || text === error.code ? 'Something went wrong.' : text;
}

export function describeError(e: unknown): ShownError {
  if (typeof e === 'object' && e !== null) {
    const shape = e as ErrorShape;
    const data = shape.data ?? undefined;
    const code = data?.appCode ?? shape.code ?? data?.code;
    const field = data?.field ?? shape.field;
    return {
      code: typeof code === 'string' ? code : 'INTERNAL',
      message: typeof shape.message === 'string' && shape.message ? shape.message : 'Something went wrong.',
      field: typeof field === 'string' ? field : undefined,
    };
  }
  return { code: 'INTERNAL', message: String(e) };
}
