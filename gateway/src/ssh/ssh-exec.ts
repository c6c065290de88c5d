/**
 * `ssh host command`: the command runs in the student's lab, not in the live terminal, with its stdout,
 * stderr, stdin and exit status carried by the SSH channel, the way sshd runs it (no PTY unless asked,
 * so output is byte-exact). For a local lab the argv is the one the runtime recorded for the terminal
 * (sandbox-launch.ts, never one from a ticket), whose last words are the lab's login shell (`bash -l`),
 * given `-c <command>`; it therefore runs exactly where, and as whom, the terminal runs. Kubernetes labs
 * answer NOT_AVAILABLE_YET (their terminals are execs; commands over SSH come with the ssh2 backend).
 */
import { spawn } from 'node:child_process';
import type { ServerChannel } from 'ssh2';
import { AppError } from '@autolabs/common/errors/app-error';
import type { TerminalTarget } from '@autolabs/common/lab-access/terminal-target';
import { readTerminalLaunch } from '@autolabs/common/lab-access/local/sandbox-launch';

/** Longer than any command line a person types; more is refused before anything runs. */
export const MAX_COMMAND_BYTES = 16 * 1024;

export async function commandArgv(target: TerminalTarget, command: string, localDataDir: string | undefined): Promise<{ argv: string[]; env: Record<string, string>; cwd: string }> {
  if (Buffer.byteLength(command) > MAX_COMMAND_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', `the command is longer than ${MAX_COMMAND_BYTES} bytes`, { field: 'command' });
  if (command.includes('\0')) throw new AppError('BAD_INPUT', 'the command contains a NUL byte', { field: 'command' });
  // A local pod whose terminal goes over SSH (target `ssh` with `localPod`) has the same launch record.
  const instanceId = target.kind === 'local-sandbox' ? target.instanceId : target.kind === 'ssh' ? target.localPod : undefined;
  if (instanceId === undefined) throw new AppError('NOT_AVAILABLE_YET', 'running a command over SSH is available for local labs only; open a shell instead', { field: 'target.kind' });
  if (!localDataDir) throw new AppError('RUNTIME_UNAVAILABLE', 'this gateway does not serve local labs', { field: 'target.kind' });
  const launch = await readTerminalLaunch(localDataDir, instanceId);
  if (launch.argv[launch.argv.length - 1] !== '-l') throw new AppError('NOT_AVAILABLE_YET', 'this lab\'s terminal is not a login shell; open a shell instead', { field: 'target.kind' });
  return { argv: [...launch.argv, '-c', command], env: launch.env, cwd: launch.cwd };
}

/** Runs the command with the channel as its stdio; resolves after the exit status was sent. */
export function runOnChannel(channel: ServerChannel, launch: { argv: string[]; env: Record<string, string>; cwd: string }): Promise<void> {
  const [file, ...args] = launch.argv;
  const child = spawn(file, args, { env: launch.env, cwd: launch.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  channel.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  // The client went away: the command is ended, as sshd ends it (SIGHUP).
  const hangUp = () => child.exitCode === null && child.signalCode === null && child.kill('SIGHUP');
  channel.on('close', hangUp);
  return new Promise((resolve) => {
    child.on('error', (err) => {
      channel.stderr.write(`autolabs: the command could not be started (${err.message})\n`);
      channel.exit(127);
      channel.end();
      resolve();
    });
    child.on('close', (code, signal) => {
      channel.off('close', hangUp);
      if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '');
      else channel.exit(code ?? 255);
      channel.end();
      resolve();
    });
  });
}
