/**
 * The namespaces one lab instance's containers share, as a Kubernetes Pod's containers do: a user
 * namespace that maps container uids 0..65535 to host uids CONTAINER_UID_BASE.. (container root is an
 * ordinary host user with no privileges), and a network namespace owned by it, where the containers
 * reach each other on localhost. Both outlive the processes that use them: their /proc ns files are
 * bind-mounted in the pod's run directory (pod-run-dir.ts), so every sandbox of the instance joins the
 * same two with `nsenter`.
 *
 * The network namespace has only `lo` (up); binding ports below 1024 is allowed inside it (as in a
 * container), and so are ICMP echo sockets (ping).
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readlinkSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../errors/app-error';
import { isMountpoint } from '../instance-volume';
import { mountTool, unmountIfMounted, type PodRunPaths } from './pod-run-dir';

/** Host uid of container uid 0; container uid n is CONTAINER_UID_BASE + n (images are unpacked so). */
export const CONTAINER_UID_BASE = 2_000_000_000;
export const CONTAINER_UID_COUNT = 65_536;

/** Creates the pod's namespaces unless they exist (idempotent; after a reboot they are made anew). */
export async function ensurePodNamespaces(run: PodRunPaths): Promise<void> {
  if ((await isMountpoint(run.nsUser)) && (await isMountpoint(run.nsNet))) return;
  await removePodNamespaces(run);
  await fs.mkdir(path.dirname(run.nsUser), { recursive: true, mode: 0o711 });
  const holder = spawn('/usr/bin/unshare', ['--user', '--net', '--', '/bin/sleep', '600'], { env: { PATH: '/usr/bin:/bin' }, stdio: 'ignore' });
  try {
    const pid = holder.pid;
    if (pid === undefined) throw new Error('unshare did not start');
    await untilUnshared(pid);
    const map = `0 ${CONTAINER_UID_BASE} ${CONTAINER_UID_COUNT}\n`;
    await fs.writeFile(`/proc/${pid}/uid_map`, map);
    await fs.writeFile(`/proc/${pid}/gid_map`, map);
    for (const [kind, file] of [['user', run.nsUser], ['net', run.nsNet]] as const) {
      await fs.writeFile(file, '', { mode: 0o644 });
      await mountTool(['--bind', `/proc/${pid}/ns/${kind}`, file]);
    }
  } catch (e) {
    await removePodNamespaces(run);
    throw e instanceof AppError ? e : new AppError('RUNTIME_UNAVAILABLE', 'could not create the lab network', { cause: e });
  } finally {
    holder.kill('SIGKILL');
  }
  // As the namespace's owner (root on the host), so no capability inside the pod is needed for it.
  await inNet(run, ['/usr/sbin/ip', 'link', 'set', 'lo', 'up']);
  await inNet(run, ['/usr/sbin/sysctl', '-q', '-w', 'net.ipv4.ip_unprivileged_port_start=0', 'net.ipv4.ping_group_range=0 2147483647']);
}

export async function removePodNamespaces(run: PodRunPaths): Promise<void> {
  await unmountIfMounted(run.nsUser);
  await unmountIfMounted(run.nsNet);
  await fs.rm(path.dirname(run.nsUser), { recursive: true, force: true });
}

async function inNet(run: PodRunPaths, command: string[]): Promise<void> {
  if (!existsSync(command[0])) throw new AppError('RUNTIME_UNAVAILABLE', `${command[0]} is missing: install the Debian package "${command[0].endsWith('ip') ? 'iproute2' : 'procps'}"`);
  await mountTool([`--net=${run.nsNet}`, '--', ...command], '/usr/bin/nsenter');
}

async function untilUnshared(pid: number): Promise<void> {
  const ours = readlinkSync('/proc/self/ns/user');
  for (let i = 0; i < 200; i++) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/user`) !== ours) return;
    } catch {
      throw new AppError('RUNTIME_UNAVAILABLE', 'could not create a user namespace for the lab (unshare exited)');
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new AppError('RUNTIME_UNAVAILABLE', 'could not create a user namespace for the lab (unshare did not get there in 2 s)');
}
