/**
 * The lines a student copies to reach the SSH front door: the command, and the known_hosts entry that
 * pins the gateway's host key (so the first connection is verified, not trusted blindly). Pure.
 */
export function knownHostsLine(host: string, port: number, hostKey: string): string {
  return `${port === 22 ? host : `[${host}]:${port}`} ${hostKey}`;
}

export function sshCommand(username: string, host: string, port: number, lab?: string): string {
  const login = lab ? `${username}+${lab}` : username;
  return port === 22 ? `ssh ${login}@${host}` : `ssh -p ${port} ${login}@${host}`;
}

/** The command for a lab's own sshd (Kubernetes NodePort), where the student is the lab image's `student`. */
export function labSshCommand(host: string, port: number): string {
  return sshCommand('student', host, port);
}
