/**
 * Which way the gateway reaches a lab's terminal: `exec`, the runtime's own way in (a local sandbox PTY, a
 * Kubernetes exec), or `ssh`, the gateway's ssh2 backend logging in to the terminal container's sshd with
 * the platform key. The lab decides when it says (`spec.terminal.backend`, which the lab config accepts only
 * with `ssh: true` on the terminal container), else the installation (TERMINAL_BACKEND); an installation
 * default of `ssh` leaves labs whose terminal container runs no sshd on `exec`. Pure.
 */
import type { LabConfig } from '../labs/lab-config';

export type TerminalBackendChoice = 'exec' | 'ssh';

export function chooseTerminalBackend(config: LabConfig, installation: TerminalBackendChoice): TerminalBackendChoice {
  if (config.spec.terminal?.backend) return config.spec.terminal.backend;
  const terminal = config.spec.containers.find((c) => c.terminal);
  return installation === 'ssh' && terminal?.ssh ? 'ssh' : 'exec';
}

/** The user the platform logs in as: the lab images' terminal user (lab-images/common/sshd_config AllowUsers). */
export const SSH_TERMINAL_USER = 'student';
