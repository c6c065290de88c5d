/**
 * Stops and starts again one process of the test cluster (cluster-up.sh / node-up.sh keep its pid in
 * `<cache>/cluster/pids/<name>.pid`): the same program, arguments and network namespace, its output appended
 * to the same log. For outage tests: an apiserver restart in the middle of a lab start, a node whose
 * kubelet goes away. The process is stopped with SIGTERM (as a restart by systemd would), then KILL.
 */
import { spawn } from 'node:child_process';
import { openSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../tools';
import { waitFor } from './wait-for';

/** Where cluster-up.sh keeps the cluster's state: pids, logs, data. */
export const clusterStateDir = () => path.join(cacheDir(), 'cluster');
const stateDir = clusterStateDir;

export interface StoppedProcess {
  /** Starts it again exactly as it ran; resolves once the process is alive (not yet serving). */
  start(): Promise<void>;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function stopHarnessProcess(name: string, netns?: string): Promise<StoppedProcess> {
  const pidFile = path.join(stateDir(), 'pids', `${name}.pid`);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!processAlive(pid)) throw new Error(`${name} (pid ${pid}) is not running`);
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const cwd = readlinkSync(`/proc/${pid}/cwd`);
  const env = Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  process.kill(pid, 'SIGTERM');
  await waitFor(`${name} to exit`, async () => (processAlive(pid) ? undefined : true), 30_000).catch(async () => {
    process.kill(pid, 'SIGKILL');
    await waitFor(`${name} to die`, async () => (processAlive(pid) ? undefined : true), 10_000);
  });
  return {
    async start() {
      const log = openSync(path.join(stateDir(), 'logs', `${name}.log`), 'a');
      // A process that ran in the node's network namespace (nsenter then exec'd it) goes back there.
      const [cmd, ...args] = netns ? ['nsenter', `--net=/run/netns/${netns}`, ...argv] : argv;
      const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', log, log] });
      child.unref();
      if (child.pid === undefined) throw new Error(`could not start ${name} again`);
      writeFileSync(pidFile, `${child.pid}\n`);
    },
  };
}
