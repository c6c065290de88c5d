import { labSshCommand } from './ssh-access';

/**
 * The command for a lab's own sshd (a NodePort on Kubernetes): key-only, with the keys on the SSH keys
 * page. Shown on My labs and in the lab page's SSH details.
 */
export function LabSshCommand({ ssh }: { ssh: { host: string; port: number } }) {
  return (
    <code className="mono" aria-label="SSH command">
      {labSshCommand(ssh.host, ssh.port)}
    </code>
  );
}
