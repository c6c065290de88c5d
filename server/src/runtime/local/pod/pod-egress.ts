/**
 * Outbound access for a pod-mode lab with `internet: true` or `allowedEgress`: pasta (Debian `passt`,
 * user-mode networking) gives the pod's network namespace an interface whose traffic leaves through
 * ordinary sockets of an unprivileged host uid, and an nftables table in the namespace, written by host
 * root, decides what may leave (egress-rules.ts). No process of the lab can change that table: the
 * namespace is not owned by the lab's user namespace (pod-namespaces.ts).
 *
 * pasta is supervised like a container's main process: its pid is recorded in `<run>/net/pasta.pid`;
 * `stop` and `destroy` end it (stopPodEgress, through removePodNamespaces); a start of a running instance
 * starts it again when it died or the host rebooted; `status` reports an instance whose pasta died.
 *
 *   <run>/net/pasta.pid   pasta's pid
 *   <run>/net/pasta.log   what it printed (errors only: it runs with --quiet)
 *   <run>/net/rules.nft   the ruleset loaded into the pod's namespace
 *   <run>/etc/resolv.conf the pod's resolver: pasta's DNS forwarder
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '@autolabs/common/errors/app-error';
import type { LabConfig } from '../../../labs/lab-config';
import { resolveHosts, type HostResolver } from '../../kubernetes/resolve-hosts';
import { EGRESS_TOOLS, OUTER_ENV, requireTools } from '@autolabs/common/lab-access/local/host-tools';
import { DNS_FORWARDER, egressRuleset, egressWanted, pastaArgv, type EgressPlan } from './egress-rules';
import { inPodNet, type PodRunPaths } from '@autolabs/common/lab-access/local/pod-run-dir';

/** What the pod's network needs at start: the uid owning it (pasta runs as it) and what may leave. */
export interface PodNetwork {
  uid: number;
  egress: EgressPlan | null;
}

const runTool = promisify(execFile);
const PASTA_READY_MS = 5_000;
const PASTA_STOP_MS = 2_000;

/** The plan for a lab's network, host names resolved now; `unresolved` lists the names that gave nothing. */
export async function planEgress(network: LabConfig['spec']['network'], resolve: HostResolver): Promise<{ plan: EgressPlan | null; unresolved: string[] }> {
  if (!egressWanted(network)) return { plan: null, unresolved: [] };
  const hosts = network.allowedEgress.flatMap((rule) => (rule.host === undefined ? [] : [rule.host]));
  const resolved = await resolveHosts(hosts, resolve);
  const allowed = network.allowedEgress.map((rule) => ({
    cidrs: rule.cidr !== undefined ? [rule.cidr] : (resolved[rule.host ?? ''] ?? []).map((a) => (a.includes(':') ? `${a}/128` : `${a}/32`)),
    ...(rule.ports === undefined ? {} : { ports: rule.ports }),
  }));
  return {
    plan: { internet: network.internet, allowed: allowed.filter((rule) => rule.cidrs.length > 0), hostAddresses: hostAddresses() },
    unresolved: hosts.filter((h) => (resolved[h] ?? []).length === 0),
  };
}

/** Every address of the host's interfaces, as our process (in the host's network namespace) sees them. */
function hostAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

/** Firewall first, then pasta (so nothing leaves unfiltered); null stops egress. Idempotent. */
export async function ensurePodEgress(run: PodRunPaths, network: PodNetwork): Promise<void> {
  if (network.egress === null) {
    await stopPodEgress(run);
    await fs.rm(run.resolvConf, { force: true });
    return;
  }
  requireTools(EGRESS_TOOLS, ' (the lab asks for internet or allowedEgress)');
  await fs.mkdir(run.net, { recursive: true, mode: 0o700 });
  const rules = path.join(run.net, 'rules.nft');
  await fs.writeFile(rules, egressRuleset(network.egress), { mode: 0o600 });
  await inPodNet(run.nsNet, ['/usr/sbin/nft', '-f', rules]);
  await fs.writeFile(run.resolvConf, `nameserver ${DNS_FORWARDER}\n`, { mode: 0o644 });
  if (!(await pastaPid(run))) await startPasta(run, network.uid);
}

async function startPasta(run: PodRunPaths, uid: number): Promise<void> {
  const logFile = path.join(run.net, 'pasta.log');
  const log = openSync(logFile, 'w', 0o600);
  let exited = false;
  try {
    const pasta = spawn(pastaArgv(run, uid)[0], pastaArgv(run, uid).slice(1), { env: OUTER_ENV, detached: true, stdio: ['ignore', log, log] });
    pasta.on('exit', () => (exited = true));
    pasta.on('error', () => (exited = true));
    if (pasta.pid === undefined) throw new AppError('RUNTIME_UNAVAILABLE', 'pasta did not start', { detail: { logFile } });
    await fs.writeFile(path.join(run.net, 'pasta.pid'), String(pasta.pid));
    pasta.unref();
  } finally {
    closeSync(log);
  }
  // Ready when pasta has configured the pod's interface (its default route); failed when it exits first.
  const until = Date.now() + PASTA_READY_MS;
  while (!(await hasDefaultRoute(run))) {
    if (exited || Date.now() > until) {
      const said = (await fs.readFile(logFile, 'utf8').catch(() => '')).trim();
      await stopPodEgress(run);
      throw new AppError('RUNTIME_UNAVAILABLE', `could not give the lab its network: pasta ${exited ? 'exited' : 'did not configure it in time'}${said ? `: ${said}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function hasDefaultRoute(run: PodRunPaths): Promise<boolean> {
  for (const family of ['-4', '-6']) {
    const { stdout } = await runTool('/usr/bin/nsenter', [`--net=${run.nsNet}`, '--', '/usr/sbin/ip', family, 'route', 'show', 'default'], { env: OUTER_ENV });
    if (stdout.trim() !== '') return true;
  }
  return false;
}

/** pasta's pid when it runs for this pod (checked against its command line, so a recycled pid is never hit). */
async function pastaPid(run: PodRunPaths): Promise<number | null> {
  const pid = Number(await fs.readFile(path.join(run.net, 'pasta.pid'), 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 1) return null;
  const cmdline = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  return cmdline[0] === '/usr/bin/pasta' && cmdline.includes(run.nsNet) ? pid : null;
}

/** The reason to report when the pod should have egress and its pasta is gone; null when all is well. */
export async function egressFailure(run: PodRunPaths): Promise<string | null> {
  const recorded = await fs.readFile(path.join(run.net, 'pasta.pid'), 'utf8').catch(() => null);
  if (recorded === null || (await pastaPid(run)) !== null) return null;
  return 'the lab network (pasta) is not running; start the lab again';
}

/** Ends pasta and waits for it to go (it holds the namespace), then forgets it. */
export async function stopPodEgress(run: PodRunPaths): Promise<void> {
  const pid = await pastaPid(run);
  if (pid !== null) {
    signal(pid, 'SIGTERM');
    const until = Date.now() + PASTA_STOP_MS;
    while ((await pastaPid(run)) !== null) {
      if (Date.now() > until) signal(pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  await fs.rm(path.join(run.net, 'pasta.pid'), { force: true });
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already.
  }
}
