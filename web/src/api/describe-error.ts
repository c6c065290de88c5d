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
