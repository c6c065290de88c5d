/**
 * The namespaces one lab instance's containers share, as a Kubernetes Pod's containers do: a user
 * namespace that maps container uids 0..65535 to host uids CONTAINER_UID_BASE.. (container root is an
 * ordinary host user with no privileges), and a network namespace where the containers reach each other
 * on localhost. Both outlive the processes that use them: their /proc ns files are bind-mounted in the
 * pod's run directory (pod-run-dir.ts), so every sandbox of the instance joins the same two with `nsenter`.
 *
 * The network namespace is NOT owned by the pod's user namespace: container root (an image may run as
 * root, and keeps its capabilities in the pod's user namespace) would then hold CAP_NET_ADMIN over it and
 * could take interfaces down, add routes or flush the egress firewall. It is owned by a user namespace of
 * its own that maps only the instance's host uid (an unprivileged uid reserved for the instance), which is
 * what pasta runs as (pod-egress.ts): pasta must join the network as a non-root user, and nothing of the
 * lab runs as that uid or inside that user namespace. So, as in Kubernetes where containers lack
 * NET_ADMIN, only host root (which owns every namespace) and the instance's pasta can change the pod's
 * network.
 *
 * The network namespace has only `lo` (up) until egress adds pasta's interface; binding ports below 1024
 * is allowed inside it (as in a container), and so are ICMP echo sockets (ping). Host root sets both.
 */
import { spawn } from 'node:child_process';
import { promises as fs, readlinkSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '@autolabs/common/errors/app-error';
import { isMountpoint } from '@autolabs/common/lab-access/local/mountpoint';
import { stopPodEgress } from './pod-egress';
import { inPodNet, mountTool, unmountIfMounted, type PodRunPaths } from '@autolabs/common/lab-access/local/pod-run-dir';

/** Host uid of container uid 0; container uid n is CONTAINER_UID_BASE + n (images are unpacked so). */
export const CONTAINER_UID_BASE = 2_000_000_000;
export const CONTAINER_UID_COUNT = 65_536;

/**
 * Creates the pod's namespaces unless they exist (idempotent; after a reboot they are made anew).
 * `networkUid`: the unprivileged host uid that owns the network's user namespace (the instance's uid).
 */
export async function ensurePodNamespaces(run: PodRunPaths, networkUid: number): Promise<void> {
  if ((await isMountpoint(run.nsUser)) && (await isMountpoint(run.nsNet)) && (await isMountpoint(run.nsNetUser))) return;
  await removePodNamespaces(run);
  await fs.mkdir(path.dirname(run.nsUser), { recursive: true, mode: 0o711 });
  try {
    await holdNamespaces(['/usr/bin/unshare', '--user'], `0 ${CONTAINER_UID_BASE} ${CONTAINER_UID_COUNT}\n`, [['user', run.nsUser]]);
    // Made by the instance's uid, so that uid owns the user namespace (and may later join it as pasta).
    const asNetworkUid = ['/usr/bin/setpriv', `--reuid=${networkUid}`, `--regid=${networkUid}`, '--clear-groups', '--'];
    await holdNamespaces([...asNetworkUid, '/usr/bin/unshare', '--user', '--net'], `0 ${networkUid} 1\n`, [['user', run.nsNetUser], ['net', run.nsNet]]);
  } catch (e) {
    await removePodNamespaces(run);
    throw e instanceof AppError ? e : new AppError('RUNTIME_UNAVAILABLE', 'could not create the lab network', { cause: e });
  }
  // As host root, so no capability inside the pod is needed for it.
  await inPodNet(run.nsNet, ['/usr/sbin/ip', 'link', 'set', 'lo', 'up']);
  await inPodNet(run.nsNet, ['/usr/sbin/sysctl', '-q', '-w', 'net.ipv4.ip_unprivileged_port_start=0', 'net.ipv4.ping_group_range=0 2147483647']);
}

/** Runs `unshare` holding new namespaces, maps its uids and gids, and bind-mounts the namespaces to files. */
async function holdNamespaces(unshare: string[], idMap: string, keep: [kind: 'user' | 'net', file: string][]): Promise<void> {
  const holder = spawn(unshare[0], [...unshare.slice(1), '--', '/bin/sleep', '600'], { env: { PATH: '/usr/bin:/bin' }, stdio: 'ignore' });
  try {
    const pid = holder.pid;
    if (pid === undefined) throw new Error('unshare did not start');
    await untilUnshared(pid);
    await fs.writeFile(`/proc/${pid}/uid_map`, idMap);
    await fs.writeFile(`/proc/${pid}/gid_map`, idMap);
    for (const [kind, file] of keep) {
      await fs.writeFile(file, '', { mode: 0o644 });
      await mountTool(['--bind', `/proc/${pid}/ns/${kind}`, file]);
    }
  } finally {
    holder.kill('SIGKILL');
  }
}

export async function removePodNamespaces(run: PodRunPaths): Promise<void> {
  await stopPodEgress(run);
  await unmountIfMounted(run.nsUser);
  await unmountIfMounted(run.nsNet);
  await unmountIfMounted(run.nsNetUser);
  await fs.rm(path.dirname(run.nsUser), { recursive: true, force: true });
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
