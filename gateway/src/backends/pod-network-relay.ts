/**
 * A connection into a local pod's network namespace, for the ssh2 backend: the pod's sshd listens on
 * the pod's own loopback, which the gateway (in the host's network) cannot dial. socat, started inside
 * that namespace with nsenter (as host root, like the local terminal's sandbox argv), dials it with
 * TCP_NODELAY and relays the bytes over its stdio; ssh2 speaks SSH through that pipe. The namespace is
 * found from the instance id in the runtime's own directories, never from a path in the ticket, and only
 * while the instance runs. Ending the stream ends socat, which closes the TCP connection.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { AppError } from '@autolabs/common/errors/app-error';
import { OUTER_ENV, requireTools, SSH_RELAY_TOOLS } from '@autolabs/common/lab-access/local/host-tools';
import { instancePaths } from '@autolabs/common/lab-access/local/instance-paths';
import { readInstanceState } from '@autolabs/common/lab-access/local/instance-state';
import { podRunPaths } from '@autolabs/common/lab-access/local/pod-run-dir';

export async function connectInPod(opts: { dataDir: string; runDir: string; instanceId: string; host: string; port: number }): Promise<Duplex> {
  const state = await readInstanceState(instancePaths(opts.dataDir, opts.instanceId).stateFile);
  const nsNet = podRunPaths(opts.runDir, opts.instanceId).nsNet;
  if (state.kind !== 'ok' || state.state.phase !== 'running' || !existsSync(nsNet)) {
    throw new AppError('RUNTIME_UNAVAILABLE', 'this lab is not running; start it again', { field: 'target.localPod', detail: { instanceId: opts.instanceId } });
  }
  requireTools(SSH_RELAY_TOOLS, ' (the terminal goes over SSH into a local pod)');
  // host and port are typed and range-checked by the ticket gate; socat takes the address as one word.
  const relay = spawn('/usr/bin/nsenter', [`--net=${nsNet}`, '--', '/usr/bin/socat', 'STDIO', `TCP:${opts.host}:${opts.port},nodelay`], {
    env: OUTER_ENV,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const stream = Duplex.from({ readable: relay.stdout, writable: relay.stdin });
  relay.on('error', (e) => stream.destroy(e));
  // Destroying the stream destroys both pipes with an AbortError: expected, not worth a crash.
  relay.stdin.on('error', () => undefined);
  relay.stdout.on('error', () => undefined);
  stream.on('close', () => {
    if (relay.exitCode === null && relay.signalCode === null) relay.kill('SIGTERM');
  });
  return stream;
}
