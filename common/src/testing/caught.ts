import type { AppError } from '../errors/app-error';

/** The AppError a promise rejects with; fails the test when it resolves instead. */
export async function caught(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected a rejection');
}
