/**
 * The sandbox spec of one container of a pod-mode instance, for its main process, a check or the
 * terminal. Pure: everything comes from the settings, the recorded pod and the lab config.
 */
import { cpuMillis, parseQuantity, type LabConfig } from '../../../labs/lab-config';
import { CFS_PERIOD_US, instanceCgroup } from '../cgroup-v1';
import type { InstancePaths } from '@autolabs/common/lab-access/local/instance-paths';
import { DEFAULT_MAX_PROCESSES } from '../sandbox-limits';
import type { SandboxCgroup } from '../sandbox-argv';
import type { ContainerSandboxSpec } from './container-argv';

import { egressWanted } from './egress-rules';
import type { PodRecord } from './local-pod';
import { podRunPaths } from '@autolabs/common/lab-access/local/pod-run-dir';

export interface PodSandboxSettings {
  runDir: string;
  bwrapPath: string;
  seccompFile: string | null;
  cgroupRoot: string | null;
  maxProcesses?: number;
  /** The terminal container's sshd is given the platform key (the lab's terminal is reached over SSH). */
  sshTerminal?: boolean;
}

export type PodRole = 'main' | 'check' | 'terminal';

/** Memory and CPU of the whole pod: every container's limits summed, as a Pod's cgroup has them. */
function podLimits(config: LabConfig): { memoryBytes: number; cpuMillis: number } {
  let memoryBytes = 0;
  let cpu = 0;
  for (const c of config.spec.containers) {
    memoryBytes += Math.floor(parseQuantity(c.resources.limits.memory));
    cpu += cpuMillis(c.resources.limits.cpu);
  }
  return { memoryBytes, cpuMillis: cpu };
}

function podCgroup(settings: PodSandboxSettings, instanceId: string, config: LabConfig): SandboxCgroup | null {
  if (settings.cgroupRoot === null) return null;
  const { memoryBytes, cpuMillis: cpu } = podLimits(config);
  return {
    root: settings.cgroupRoot,
    group: instanceCgroup(instanceId),
    memoryBytes,
    maxProcesses: settings.maxProcesses ?? DEFAULT_MAX_PROCESSES,
    cpuQuotaUs: Math.max(1000, Math.round((cpu * CFS_PERIOD_US) / 1000)),
  };
}

export function podSandboxSpec(
  settings: PodSandboxSettings,
  paths: InstancePaths,
  instanceId: string,
  config: LabConfig,
  record: PodRecord,
  containerName: string,
  role: PodRole,
): ContainerSandboxSpec {
  const c = record.containers.find((x) => x.name === containerName);
  if (!c) throw new Error(`no container ${containerName} in the pod record`);
  const isTerminal = c.name === record.terminal;
  const mountPath = config.spec.storage.mountPath;
  const run = podRunPaths(settings.runDir, instanceId);
  // In the terminal container the student works (and the checks run) as the student; elsewhere as the image's user.
  const user = isTerminal && role !== 'main' ? record.student : c.user;
  const env = {
    ...c.env,
    ...(isTerminal && role !== 'main' ? { HOME: mountPath, USER: 'student', LOGNAME: 'student', SHELL: record.shell } : {}),
    ...(role === 'terminal' ? { TERM: 'xterm-256color', LANG: c.env.LANG ?? 'C.UTF-8' } : {}),
  };
  return {
    bwrapPath: settings.bwrapPath,
    pidsDir: paths.pids,
    seccompFile: settings.seccompFile,
    volumes: [paths.home, paths.scratch],
    cgroup: podCgroup(settings, instanceId, config),
    limits: { memoryBytes: podLimits(config).memoryBytes, maxOpenFiles: 1024, nice: 10 },
    ns: { user: run.nsUser, net: run.nsNet },
    user,
    hostname: record.hostname,
    rootfs: run.rootfs(c.name),
    etcDir: run.etc,
    resolvConf: egressWanted(config.spec.network) ? run.resolvConf : null,
    ...(isTerminal && settings.sshTerminal ? { authorizedKeys: run.authorizedKeys } : {}),
    storage: isTerminal ? { source: run.home, mountPath } : null,
    workingDir: isTerminal && role !== 'main' ? mountPath : c.workingDir,
    env,
    interactive: role === 'terminal',
  };
}
