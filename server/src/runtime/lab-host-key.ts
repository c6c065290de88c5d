/**
 * The host key a lab publishes for the gateway's ssh2 backend to pin: the terminal container's sshd's
 * Ed25519 public key. The lab images make fresh host keys at each container start
 * (lab-images/common/start-sshd.sh), so each runtime reads it again after every start, from inside the
 * container (as a check runs), and keeps it with the instance's handle.
 */
export const LAB_SSH_PORT = 22;
export const LAB_HOST_KEY_FILE = '/etc/ssh/ssh_host_ed25519_key.pub';

const PUBLIC_LINE = /^(ssh-ed25519 [A-Za-z0-9+/]+={0,2})(\s|$)/;

/** `ssh-ed25519 AAAA...` without its comment, or undefined when `text` is not such a line. */
export function hostKeyLine(text: string): string | undefined {
  return PUBLIC_LINE.exec(text.trim())?.[1];
}
