/**
 * A button's call to the server: busy while it runs (to disable the button), the error it ended with
 * (for ErrorNote), and what to do after it, failed or not.
 */
import { useState } from 'react';
import { describeError, type ShownError } from './describe-error';

export interface Action {
  busy: boolean;
  error: ShownError | undefined;
  run(call: () => Promise<unknown>): Promise<void>;
}

export function useAction(after?: () => void): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError>();
  async function run(call: () => Promise<unknown>) {
    setBusy(true);
    setError(undefined);
    try {
      await call();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
      after?.();
    }
  }
  return { busy, error, run };
}
