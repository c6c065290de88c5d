/**
 * Keeps a container's main process running, as the kubelet does for a Pod with restartPolicy Always: a
 * small detached shell loop per container (it outlives our own process, like a pod outlives a kubelet
 * restart) that runs the container's sandbox, records how it ended and starts it again after a backoff
 * of 1, 2, 4, 8, 16, then 30 s. Its output goes through a pipe to `<state>/log` (the last 1 MiB is
 * kept); the pipe is handed to the container's host uid, because programs reopen /dev/stdout (nginx
 * logs there) and a pipe is only open to its owner.
 *
 * `<state>/supervisor.pid`  the loop's pid (stop kills it before the sandboxes)
 * `<state>/exit`            `<exit code> <restarts>` after the main process ended at least once
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, promises as fs } from 'node:fs';
import path from 'node:path';

const LOOP = [
  's=$1 o=$2; shift 2; n=0',
  'while :; do',
  '  { chown "$o" /proc/self/fd/1; "$@"; echo $? > "$s/rc"; } 2>&1 | cat >> "$s/log"',
  '  code=$(cat "$s/rc"); n=$((n+1))',
  '  echo "$code $n" > "$s/exit.tmp" && mv "$s/exit.tmp" "$s/exit"',
  '  if [ "$(stat -c %s "$s/log")" -gt 1048576 ]; then tail -c 524288 "$s/log" > "$s/log.tmp" && cat "$s/log.tmp" > "$s/log"; rm -f "$s/log.tmp"; fi',
  '  if [ $n -lt 6 ]; then sleep $((1 << (n - 1))); else sleep 30; fi',
  'done',
].join('\n');

export interface ContainerExit {
  exitCode: number;
  restarts: number;
}

/** `owner`: the host uid:gid of the container's main user, which gets the output pipe. */
export async function startSupervisor(stateDir: string, owner: string, argv: string[], env: Record<string, string>): Promise<void> {
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  await fs.rm(path.join(stateDir, 'exit'), { force: true });
  const log = openSync(path.join(stateDir, 'log'), 'a', 0o600);
  try {
    const loop = spawn('/bin/sh', ['-c', LOOP, 'autolabs-container', stateDir, owner, ...argv], { env, detached: true, stdio: ['ignore', log, log] });
    if (loop.pid === undefined) throw new Error('the container supervisor did not start');
    await fs.writeFile(path.join(stateDir, 'supervisor.pid'), String(loop.pid));
    loop.unref();
  } finally {
    closeSync(log);
  }
}

/** Kills the loop (not the sandbox: the runtime ends those through their pid records and cgroup). */
export async function stopSupervisor(stateDir: string): Promise<void> {
  const pid = Number(await fs.readFile(path.join(stateDir, 'supervisor.pid'), 'utf8').catch(() => ''));
  if (Number.isInteger(pid) && pid > 1) {
    const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('autolabs-container') && cmd.includes(stateDir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
  await fs.rm(path.join(stateDir, 'supervisor.pid'), { force: true });
}

export async function supervisorAlive(stateDir: string): Promise<boolean> {
  const pid = Number(await fs.readFile(path.join(stateDir, 'supervisor.pid'), 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 1) return false;
  const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmd.includes('autolabs-container') && cmd.includes(stateDir);
}

export async function lastExit(stateDir: string): Promise<ContainerExit | null> {
  const text = await fs.readFile(path.join(stateDir, 'exit'), 'utf8').catch(() => null);
  if (text === null) return null;
  const [code, restarts] = text.trim().split(' ').map(Number);
  return { exitCode: code, restarts };
}

export async function logTail(stateDir: string, lines = 5): Promise<string> {
  const text = await fs.readFile(path.join(stateDir, 'log'), 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
