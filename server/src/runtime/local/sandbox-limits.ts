/**
 * Which limits a local sandbox gets from a lab config, and which it cannot get.
 * - With cgroups v1 (root mode, see cgroup-v1.ts): memory, process count and CPU are limited per instance,
 *   as in a container.
 * - Without: the memory limit becomes a per-process address-space limit (RLIMIT_AS: stricter than a
 *   container's for programs that reserve much virtual memory, looser for many processes together), the
 *   process limit is RLIMIT_NPROC on the instance's own uid (root mode only), and CPU is not capped.
 * Always: storage.size becomes the largest single file (RLIMIT_FSIZE; there is no disk quota), no core
 * dumps, 1024 open files, and nice 10 so labs yield the CPU to the platform itself.
 */
import { cpuMillis, parseQuantity, type LabConfig } from '../../labs/lab-config';
import { CFS_PERIOD_US } from './cgroup-v1';
import type { SandboxCgroup, SandboxLimits } from './sandbox-argv';

export const DEFAULT_MAX_PROCESSES = 256;

export function terminalContainer(config: LabConfig): LabConfig['spec']['containers'][number] {
  return config.spec.containers.find((c) => c.terminal) ?? config.spec.containers[0];
}

export function sandboxLimits(config: LabConfig, maxProcesses = DEFAULT_MAX_PROCESSES): SandboxLimits {
  const { limits } = terminalContainer(config).resources;
  const memory = Math.floor(parseQuantity(limits.memory));
  return {
    memoryBytes: memory,
    cpuMillis: cpuMillis(limits.cpu),
    maxProcesses,
    maxFileBytes: Math.floor(parseQuantity(config.spec.storage.size)),
    maxOpenFiles: 1024,
    nice: 10,
    tmpBytes: Math.min(memory, 256 * 2 ** 20),
  };
}

export function sandboxCgroup(limits: SandboxLimits, root: string, group: string): SandboxCgroup {
  return {
    root,
    group,
    memoryBytes: limits.memoryBytes,
    maxProcesses: limits.maxProcesses,
    cpuQuotaUs: Math.max(1000, Math.round((limits.cpuMillis * CFS_PERIOD_US) / 1000)),
  };
}
