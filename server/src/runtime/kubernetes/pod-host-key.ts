/**
 * A lab pod whose terminal goes over SSH publishes its host key at start (runtime/lab-host-key.ts): once
 * the terminal container's sshd listens on port 22 (a LISTEN socket on :0016 in /proc/net/tcp or tcp6,
 * read inside the container), its Ed25519 public key is read through an exec and kept in the handle with
 * the pod's IP, so every terminal ticket pins it. Waits within the start's deadline.
 */
import { AppError } from '@autolabs/common/errors/app-error';
import { hostKeyLine, LAB_HOST_KEY_FILE } from '../lab-host-key';
import { exitCodeOf } from '@autolabs/common/lab-access/kubernetes/exec-status';
import type { KubeClient } from './kube-client';
import { pollUntil } from './poll-until';

/** Prints the host key only once sshd listens on port 22 (0x0016), in state LISTEN (0A). */
const SCRIPT = `grep -Eq ':0016 [0-9A-F]+:0000 0A' /proc/net/tcp /proc/net/tcp6 2>/dev/null && cat ${LAB_HOST_KEY_FILE}`;

export async function readPodHostKey(client: KubeClient, target: { namespace: string; pod: string; container: string }, timeoutMs: number): Promise<string> {
  let seen: string | undefined;
  try {
    return await pollUntil(
      { what: `the sshd of pod ${target.namespace}/${target.pod} container ${target.container} to listen on port 22 and publish an Ed25519 host key`, timeoutMs, intervalMs: 1000, lastSeen: () => seen },
      async () => {
        const out = await client.exec(target, ['sh', '-c', SCRIPT], { timeoutMs: 10_000, maxBytes: 4096 });
        const code = out.status ? exitCodeOf(out.status) : null;
        seen = code === 0 ? 'no Ed25519 public key line' : out.stderr.trim().slice(0, 200) || 'sshd not listening yet';
        return code === 0 ? hostKeyLine(out.stdout) : undefined;
      },
    );
  } catch (e) {
    if (e instanceof AppError) throw new AppError('RUNTIME_UNAVAILABLE', `the terminal goes over SSH, but ${e.message}`, { field: 'spec.terminal.backend', cause: e });
    throw e;
  }
}
