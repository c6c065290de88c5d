/**
 * The contract every lab runtime keeps. Workers call it; nothing else starts or stops labs.
 * Implementations: LocalRuntime (runtime/local: a bubblewrap sandbox per instance, embedded mode) and
 * KubernetesRuntime (runtime/kubernetes: Pod + Service + NetworkPolicy + PVC per instance).
 *
 * State semantics:
 * - before `start`, `status` returns { phase: 'absent' };
 * - `start` is idempotent: starting a running instance returns its handle unchanged;
 * - after the lab's process crashes, `status` returns 'failed' with a reason (never throws);
 * - after a restart of our own process, `status(handle)` answers from the runtime itself (pods, sandbox
 *   state files), not from memory, so a new worker can pick up where a dead one stopped;
 * - `stop` is idempotent and keeps the instance's storage; `destroy` also removes the storage
 *   (after the volume is archived).
 */
import type { Readable } from 'node:stream';
import type { LabConfig } from '../labs/lab-config';
import type { TerminalTarget } from '@autolabs/common/lab-access/terminal-target';

/** Opaque to callers, stored in lab_instances.runtime_handle. JSON-serialisable. */
export interface RuntimeHandle {
  runtime: 'local' | 'kubernetes';
  instanceId: string;
  [key: string]: unknown;
}

export type InstancePhase = 'absent' | 'pending' | 'running' | 'stopped' | 'failed';

export interface InstanceStatus {
  phase: InstancePhase;
  reason?: string;
  /** Where classic SSH reaches the lab, when the lab enables it. */
  sshEndpoint?: { host: string; port: number };
}

export interface StartRequest {
  instanceId: string;
  /** Stable, slug-safe names of the people the instance belongs to (labels, home directory names). */
  ownerKey: string;
  labKey: string;
  /** Slug-safe course code, when the instance belongs to a course (the Kubernetes course_id label). */
  courseKey?: string;
  config: LabConfig;
  /**
   * OpenSSH public key lines the lab's sshd accepts for the student (the keys of the people the instance
   * belongs to, as of this start). Runtimes whose labs are reached over SSH directly (Kubernetes' NodePort)
   * hand them to the lab; others may ignore them.
   */
  sshAuthorizedKeys?: string[];
}

export interface ProgressEvent {
  at: number;
  message: string;
}


/** What a runtime holds for one instance, as the runtime itself lists it (LabRuntime.inventory). */
export interface HeldInstance {
  instanceId: string;
  /** Enough to `stop` or `destroy` what is held. */
  handle: RuntimeHandle;
  /** Something of the running lab is there: a Pod, its Service or NetworkPolicy, a sandbox. */
  running: boolean;
  /** The instance's storage exists. */
  storage: boolean;
}

export interface ExecOptions {
  timeoutMs?: number;
  /** Name of one of the lab's containers; default: the terminal container. */
  container?: string;
}

export interface LabRuntime {
  readonly name: 'local' | 'kubernetes';
  /** Throws AppError RUNTIME_UNAVAILABLE naming what is missing (e.g. the bubblewrap package). */
  checkAvailable(): Promise<void>;
  start(req: StartRequest, onProgress?: (e: ProgressEvent) => void): Promise<RuntimeHandle>;
  status(handle: RuntimeHandle): Promise<InstanceStatus>;
  stop(handle: RuntimeHandle): Promise<void>;
  destroy(handle: RuntimeHandle): Promise<void>;
  /**
   * What this runtime will not do for this lab as written, one sentence each for the teacher (empty:
   * it runs as written). Pure: no I/O. Absent: the runtime runs every lab as written.
   */
  limitations?(config: LabConfig): string[];
  /** How to open a terminal in the instance's terminal container. Pure: no I/O. */
  terminalTarget(handle: RuntimeHandle, config: LabConfig): TerminalTarget;
  /**
   * Run a command to completion (lab checks), in `opts.container` or else the terminal container. A
   * timeout gives exit code 124. A container the runtime cannot reach is AppError RUNTIME_UNAVAILABLE.
   */
  exec(handle: RuntimeHandle, config: LabConfig, command: string[], opts?: ExecOptions): Promise<{
    exitCode: number;
    stdout: string;
    stderr: string;
  }>;
  /**
   * The instance's storage (the volume mounted at storage.mountPath) as an uncompressed tar stream, for
   * archiving before `destroy`; null when the storage no longer exists. Entries are relative (`./...`);
   * symlinks are stored as links, never followed; FIFOs, sockets and devices are left out.
   */
  exportStorage?(handle: RuntimeHandle): Promise<Readable | null>;
  /**
   * Unpacks an uncompressed tar stream (as `exportStorage` makes it) into the instance's storage, for a
   * teacher's restore of an archive. The storage must exist (the instance has been started at least once;
   * AppError CONFLICT otherwise); entries replace files of the same name, the rest is kept. Files belong to
   * the student afterwards, whatever owner the archive names. Callers stop the instance first.
   */
  importStorage?(handle: RuntimeHandle, tar: Readable): Promise<void>;
  /**
   * Upkeep of what the runtime keeps for itself (the local runtime: removes lab images no instance uses),
   * called by the workers' periodic jobs. Idempotent; does nothing while it would race a start.
   */
  housekeeping?(): Promise<void>;
  /**
   * Every instance this runtime holds something of, listed from the runtime itself (not the database), so
   * the workers can release what no live instance owns: a failed start whose clean-up could not reach the
   * runtime, objects of instances the database no longer has. Absent: the runtime keeps nothing that
   * outlives a failed start (the local runtime's sandboxes end with their start).
   */
  inventory?(): Promise<HeldInstance[]>;
}
