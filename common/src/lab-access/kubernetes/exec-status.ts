/**
 * The exit code of a finished Kubernetes exec, read from the Status the apiserver sends on channel 3.
 * A kubelet reports a non-zero exit as `details.causes[{ reason: 'ExitCode', message: '7' }]`; KWOK's
 * local exec only says "command terminated ... exit status 7" in the message. Both are read.
 * Returns null when the Status says the command failed without saying how it exited (it did not run).
 */
import type { V1Status } from '@kubernetes/client-node';

export function exitCodeOf(status: V1Status): number | null {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (cause?.message !== undefined && /^\d+$/.test(cause.message)) return Number(cause.message);
  const fromMessage = /exit (?:status|code) (\d+)/.exec(status.message ?? '');
  return fromMessage ? Number(fromMessage[1]) : null;
}
