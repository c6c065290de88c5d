/**
 * What the gateway needs to open a terminal into a lab. Built by the runtime, signed into the terminal
 * ticket by the server, so the gateway never asks the runtime or the database.
 */
export type TerminalTarget =
  /** A terminal in a local runtime sandbox; the gateway takes its argv from the runtime, never a ticket. */
  | { kind: 'local-sandbox'; instanceId: string }
  /** A plain local program: tests and benchmarks only (a gateway opens it only when built to). */
  | { kind: 'pty'; argv: string[]; env: Record<string, string>; cwd: string }
  | { kind: 'k8s-exec'; namespace: string; pod: string; container: string; command: string[] }
  /**
   * The lab's own sshd (the gateway's ssh2 backend). `hostKey` is the public key line the lab published at
   * start, pinned; the gateway logs in as `username` with the platform key. `localPod`: the id of a local
   * pod-mode instance whose network namespace holds the sshd (host and port are then as seen inside it);
   * the gateway finds that namespace itself, from the runtime's own records.
   */
  | { kind: 'ssh'; host: string; port: number; username: string; hostKey: string; localPod?: string };
