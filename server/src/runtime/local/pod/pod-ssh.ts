/**
 * A pod whose terminal goes over SSH (the gateway's ssh2 backend) publishes its host key at start
 * (runtime/lab-host-key.ts): once the terminal container's sshd listens on port 22 in the pod's network,
 * its Ed25519 public key is read from inside that container (as a check runs, never by following the
 * container's files from the host) and kept with the instance, so every terminal ticket pins it.
 */
import { AppError } from '@autolabs/common/errors/app-error';
import { hostKeyLine, LAB_HOST_KEY_FILE as HOST_KEY_FILE, LAB_SSH_PORT } from '../../lab-host-key';
import { waitForPorts } from './pod-readiness';

export const SSH_PORT = LAB_SSH_PORT;

type RunInTerminal = (command: string[]) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

/** The `ssh-ed25519 AAAA...` line of the terminal container's sshd; RUNTIME_UNAVAILABLE when there is none. */
export async function readPublishedHostKey(nsNet: string, runInTerminal: RunInTerminal, deadlineMs: number): Promise<string> {
  const late = await waitForPorts(nsNet, [{ container: 'terminal', port: SSH_PORT }], deadlineMs, () => undefined);
  if (late.length > 0) {
    throw new AppError('RUNTIME_UNAVAILABLE', `the terminal goes over SSH, but no sshd listens on port ${SSH_PORT} of the terminal container after ${Math.round(deadlineMs / 1000)} s`, {
      field: 'spec.terminal.backend',
    });
  }
  const read = await runInTerminal(['cat', HOST_KEY_FILE]);
  const line = hostKeyLine(read.stdout);
  if (read.exitCode !== 0 || !line) {
    throw new AppError('RUNTIME_UNAVAILABLE', `the terminal goes over SSH, but the terminal container has no Ed25519 host key in ${HOST_KEY_FILE}`, {
      field: 'spec.terminal.backend',
      detail: { exitCode: read.exitCode, stderr: read.stderr.slice(0, 500) },
    });
  }
  return line;
}
