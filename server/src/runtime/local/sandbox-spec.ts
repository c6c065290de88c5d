/**
 * What one sandbox of an instance looks like, from the runtime's settings, the instance's handle and the
 * lab config. Pure, like the argv built from it: `terminalTarget` must not do I/O.
 */
import { AppError } from '@autolabs/common/errors/app-error';
import type { LabConfig } from '../../labs/lab-config';
import type { RuntimeHandle } from '../lab-runtime';
import { instanceCgroup } from './cgroup-v1';
import { STUDENT_USER } from './etc-files';
import { hostEditorEnv, type HostLayout } from './host-layout';
import { instancePaths } from '@autolabs/common/lab-access/local/instance-paths';
import type { SandboxIdentity, SandboxSpec } from './sandbox-argv';
import { sandboxCgroup, sandboxLimits, terminalContainer } from './sandbox-limits';
import { UID_BASE, UID_RANGE } from './uid-allocator';

export interface RuntimeSettings {
  dataDir: string;
  bwrapPath: string;
  layout: HostLayout;
  rootMode: boolean;
  shareHostNetwork: boolean;
  maxProcesses: number;
  cgroupRoot: string | null;
  /** Compiled seccomp filter file; null when there is none for this architecture. */
  seccompFile: string | null;
  /** Home and scratch are quota volumes (instance-volume.ts). */
  diskQuota: boolean;
}

const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The reserved uid of a handle; anything outside the reserved range (0 above all) counts as none. */
export function uidOf(handle: RuntimeHandle): number | null {
  const { uid } = handle;
  return typeof uid === 'number' && Number.isInteger(uid) && uid >= UID_BASE && uid < UID_BASE + UID_RANGE ? uid : null;
}

export function buildSandboxSpec(settings: RuntimeSettings, handle: RuntimeHandle, config: LabConfig, interactive: boolean): SandboxSpec {
  const paths = instancePaths(settings.dataDir, handle.instanceId);
  const uid = uidOf(handle);
  // As root, a handle without a reserved uid must never fall back to a sandbox that runs as root.
  if (settings.rootMode && uid === null) {
    throw new AppError('BAD_INPUT', 'runtime handle has no sandbox user id; start the instance again', { field: 'runtimeHandle' });
  }
  const identity: SandboxIdentity = uid === null ? { mode: 'userns' } : { mode: 'setuid', uid };
  const mountPath = config.spec.storage.mountPath;
  const limits = sandboxLimits(config, settings.maxProcesses);
  const base = { PATH: SANDBOX_PATH, TERM: 'xterm-256color', LANG: 'C.UTF-8', SHELL: '/bin/bash' };
  // Set last, so a lab's own env cannot pretend to be someone else or move the home.
  const fixed = { HOME: mountPath, USER: STUDENT_USER, LOGNAME: STUDENT_USER };
  return {
    bwrapPath: settings.bwrapPath,
    layout: settings.layout,
    paths,
    mountPath,
    hostname: config.metadata.name,
    network: config.spec.network.internet && settings.shareHostNetwork,
    identity,
    limits,
    cgroup: settings.cgroupRoot === null ? null : sandboxCgroup(limits, settings.cgroupRoot, instanceCgroup(handle.instanceId)),
    env: { ...base, ...hostEditorEnv(terminalContainer(config).env ?? {}, settings.layout), ...fixed },
    seccompFile: settings.seccompFile,
    diskQuota: settings.diskQuota && uid !== null,
    interactive,
  };
}
