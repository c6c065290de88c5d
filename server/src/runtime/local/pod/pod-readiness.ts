/**
 * Start returns when the lab is usable: every TCP port the lab declares (`ports[].containerPort`) is
 * listening in the pod's network, or the deadline passed (a container that never listens is then seen
 * by `status`, e.g. as a crash loop). Listening sockets are read from /proc/net/tcp and tcp6 as seen from
 * inside the pod's network namespace.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LabConfig } from '../../../labs/lab-config';

const run = promisify(execFile);
const LISTEN = '0A';

export function declaredTcpPorts(config: LabConfig): { container: string; port: number }[] {
  return config.spec.containers.flatMap((c) => c.ports.filter((p) => p.protocol === 'TCP').map((p) => ({ container: c.name, port: p.containerPort })));
}

async function listeningPorts(netns: string): Promise<Set<number>> {
  const { stdout } = await run('/usr/bin/nsenter', [`--net=${netns}`, '--', '/bin/cat', '/proc/net/tcp', '/proc/net/tcp6'], { env: { PATH: '/usr/bin:/bin' } });
  const ports = new Set<number>();
  for (const line of stdout.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[3] === LISTEN) ports.add(parseInt(fields[1].split(':')[1], 16));
  }
  return ports;
}

/** Resolves with the ports still not listening when the deadline passed (empty: all are up). */
export async function waitForPorts(netns: string, ports: { container: string; port: number }[], deadlineMs: number, progress: (m: string) => void): Promise<{ container: string; port: number }[]> {
  const until = Date.now() + deadlineMs;
  let reported = '';
  for (;;) {
    const up = await listeningPorts(netns);
    const waiting = ports.filter((p) => !up.has(p.port));
    if (waiting.length === 0 || Date.now() > until) return waiting;
    const what = waiting.map((p) => `${p.container}:${p.port}`).join(', ');
    if (what !== reported) progress(`waiting for ${what}`);
    reported = what;
    await new Promise((r) => setTimeout(r, 100));
  }
}
