/**
 * The submit of a form that changes who is signed in (sign-in, a new password): busy while the step runs,
 * then the AuthProvider asks the server again, so the app shows whatever page that now leads to. A failure
 * is kept for the form's ErrorNote.
 */
import { useState } from 'react';
import { describeError, type ShownError } from '../api/describe-error';
import { useAuth } from './AuthContext';

export function useAuthStep() {
  const { refresh } = useAuth();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError>();

  async function run(step: () => Promise<unknown>): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      await step();
      await refresh();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, setError, run };
}
