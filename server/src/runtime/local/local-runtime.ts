/**
 * LocalRuntime: labs on the machine AutoLabs runs on, one bubblewrap sandbox per terminal or check, for
 * embedded installs and development.
 *
 * What an "instance" is here: a persistent home directory (the stand-in for a PVC; in root mode an ext4
 * image mounted there, so storage.size is a quota), a state file and a reserved user id. Sandboxes are
 * started on demand (the gateway spawns the argv recorded in `terminal.json` for each terminal, see
 * sandbox-launch.ts; `exec` spawns one per check) and all bind the same home and the same scratch /tmp. Container semantics are reduced
 * plainly: only the lab's terminal container is represented; images are not pulled (the host's /usr is
 * the image), the containers' own commands and ports are not run, SSH is not offered, and each sandbox has
 * its own PID namespace (two terminals of one instance share the home and /tmp, not their processes).
 * A lab that asks for `internet: true` still gets no network in host mode unless the runtime was built with
 * `shareHostNetwork`, because sharing the host network would expose every service listening on the host.
 * Pod mode (`images`, pod/local-pod.ts) honours `internet` and `allowedEgress` through pasta and a
 * firewall the lab cannot change (pod/pod-egress.ts).
 *
 * State semantics (LabRuntime): `status` reads `<dataDir>/labs/<id>/state.json`, so it answers the same
 * after a restart of our process; it is 'absent' before `start`, 'running' after it, 'stopped' after
 * `stop`, and 'failed' when the state file is damaged, the home directory has vanished or its volume is not
 * mounted (after a reboot; `start` mounts it again). No lab process
 * runs between terminals, so there is no process whose crash could fail the instance.
 */
import { createHash } from 'node:crypto';
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '@autolabs/common/errors/app-error';
import { parseQuantity, type LabConfig } from '../../labs/lab-config';
import type { ExecOptions, InstanceStatus, LabRuntime, ProgressEvent, RuntimeHandle, StartRequest } from '../lab-runtime';
import type { TerminalTarget } from '@autolabs/common/lab-access/terminal-target';
import { checkExecCommand, checkRunning, execContainer } from '../exec-checks';
import { CGROUP_V1_ROOT, cgroupV1Available, instanceCgroup, removeInstanceCgroups } from './cgroup-v1';
import { writeEtcFiles } from './etc-files';
import { createHome, exportHome, importHome } from './home-dir';
import { lookupAll, type HostResolver } from '../kubernetes/resolve-hosts';
import { EGRESS_TOOLS, OUTER_ENV, SSH_RELAY_TOOLS, checkHostTools, findInPath, missingTools, requireBwrap } from '@autolabs/common/lab-access/local/host-tools';
import { detectHostLayout, type HostLayout } from './host-layout';
import { instancePaths, uidsDir, type InstancePaths } from '@autolabs/common/lab-access/local/instance-paths';
import { mountHomeVolume, removeScratchVolume, resetScratchVolume, unmountVolumes } from './instance-volume';
import { isMountpoint } from '@autolabs/common/lab-access/local/mountpoint';
import { readInstanceState, writeInstanceState, type InstanceState } from '@autolabs/common/lab-access/local/instance-state';
import { killInstanceProcesses, liveSandboxPids } from './process-tracker';
import { sandboxArgv, sandboxUid, type SandboxIdentity, type SandboxSpec } from './sandbox-argv';
import { buildSandboxSpec, uidOf } from './sandbox-spec';
import { DEFAULT_MAX_PROCESSES } from './sandbox-limits';
import { runSandboxed } from './run-sandboxed';
import { containerArgv } from './pod/container-argv';
import { podFailure, preparePod, readPodRecord, startPod, stopSupervisors, teardownPod, type PodImages, type PodRecord } from './pod/local-pod';
import { imagesInUse } from './pod/images-in-use';
import { egressWanted } from './pod/egress-rules';
import { egressFailure, planEgress } from './pod/pod-egress';
import { CONTAINER_UID_BASE } from './pod/pod-namespaces';
import { declaredTcpPorts, waitForPorts } from './pod/pod-readiness';
import { DEFAULT_POD_RUN_DIR, podRunPaths } from '@autolabs/common/lab-access/local/pod-run-dir';
import { podSandboxSpec, type PodRole, type PodSandboxSettings } from './pod/pod-sandbox';
import { readPublishedHostKey, SSH_PORT } from './pod/pod-ssh';
import { writeTerminalLaunch } from '@autolabs/common/lab-access/local/sandbox-launch';
import { chooseTerminalBackend, SSH_TERMINAL_USER, type TerminalBackendChoice } from '../terminal-backend-choice';
import { userNamespaceFilter } from './seccomp-filter';
import { releaseUid, reserveUid } from './uid-allocator';

export interface LocalRuntimeOptions {
  dataDir: string;
  log: FastifyBaseLogger;
  /** bubblewrap binary; by default `bwrap` looked up in PATH. */
  bwrapPath?: string;
  /** Honour `internet: true` by sharing the host's network namespace (exposes host services). */
  shareHostNetwork?: boolean;
  maxProcesses?: number;
  /**
   * Root of the cgroups v1 hierarchies for per-instance memory, process and CPU limits; by default
   * /sys/fs/cgroup when we are root and it is usable, else none (rlimits only). null turns cgroups off.
   */
  cgroupRoot?: string | null;
  /**
   * Home and /tmp as loop-mounted ext4 volumes, so storage.size is a quota; by default when we are root
   * (mounting needs it). Off: the home is a plain directory, /tmp a small tmpfs.
   */
  diskQuota?: boolean;
  /** Size of each instance's scratch volume (/tmp and /var/tmp) with diskQuota; default 512 MiB. */
  scratchBytes?: number;
  /**
   * Run every container from its image (pod mode, root only: see pod/local-pod.ts). Absent or null: the
   * host's files stand in for the terminal container's image and the other containers do not run.
   */
  images?: PodImages | null;
  /** Pod mode: where running pods keep what their sandboxes bind (pod/pod-run-dir.ts). */
  podRunDir?: string;
  /** Why pod mode was asked for and cannot run here (told to teachers first among the limitations). */
  podModeRefused?: string;
  /** Pod mode: looks up allowedEgress host names at start; default the system resolver (3 s deadline). */
  resolveHost?: HostResolver;
  /** Pod mode: how long housekeeping keeps an image no instance uses after its last start; default 24 h. */
  keepUnusedImagesMs?: number;
  /** Pod mode: least time between two image prunes; default 1 h. */
  imagePruneIntervalMs?: number;
  /** The installation's way to the terminal (TERMINAL_BACKEND) for labs that do not choose; default exec. */
  terminalBackend?: TerminalBackendChoice;
  /**
   * Pod mode, terminal over SSH: the platform key's public line (LAB_SSH_PUBLIC_KEY), the one key the
   * terminal container's sshd accepts. Without it such labs keep the exec terminal.
   */
  labSshPublicKey?: string | null;
}

export interface LocalHandle extends RuntimeHandle {
  runtime: 'local';
  /** Host uid the sandboxes run as (root mode), null in user-namespace mode. */
  uid: number | null;
  /** Pod mode, terminal over SSH: the host key the lab's sshd published at start (pinned in tickets). */
  sshHostKey?: string;
}

const EXEC_DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_SCRATCH_BYTES = 512 * 2 ** 20;
const TERMINAL_COMMAND = ['/bin/bash', '-l'];
/** How long start waits for the lab's declared ports to listen (pod mode). */
const PORTS_DEADLINE_MS = 30_000;
const HOUR_MS = 3600_000;

export class LocalRuntime implements LabRuntime {
  readonly name = 'local' as const;
  private readonly dataDir: string;
  private readonly log: FastifyBaseLogger;
  private readonly bwrapPath: string | null;
  private readonly layout: HostLayout;
  private readonly rootMode: boolean;
  private readonly shareHostNetwork: boolean;
  private readonly maxProcesses: number;
  private readonly cgroupRoot: string | null;
  private readonly diskQuota: boolean;
  private readonly scratchBytes: number;
  private readonly seccomp: { file: string; program: Buffer } | null;
  private readonly images: PodImages | null;
  private readonly podRunDir: string;
  private readonly podModeRefused: string | null;
  private readonly resolveHost: HostResolver;
  private readonly keepUnusedImagesMs: number;
  private readonly imagePruneIntervalMs: number;
  private readonly terminalBackend: TerminalBackendChoice;
  private readonly labSshPublicKey: string | null;
  private lastImagePrune = 0;
  /** Lifecycle calls per instance, run one after another: a redelivered start must not race the first. */
  private readonly lifecycle = new Map<string, Promise<unknown>>();

  constructor(opts: LocalRuntimeOptions) {
    this.dataDir = path.resolve(opts.dataDir);
    this.log = opts.log;
    this.bwrapPath = opts.bwrapPath ?? findInPath('bwrap');
    this.layout = detectHostLayout();
    this.rootMode = process.getuid?.() === 0;
    this.shareHostNetwork = opts.shareHostNetwork ?? false;
    this.maxProcesses = opts.maxProcesses ?? DEFAULT_MAX_PROCESSES;
    this.cgroupRoot = opts.cgroupRoot !== undefined ? opts.cgroupRoot : cgroupV1Available() ? CGROUP_V1_ROOT : null;
    this.diskQuota = this.rootMode && (opts.diskQuota ?? true);
    this.scratchBytes = opts.scratchBytes ?? DEFAULT_SCRATCH_BYTES;
    this.images = this.diskQuota ? (opts.images ?? null) : null;
    this.podRunDir = opts.podRunDir ?? DEFAULT_POD_RUN_DIR;
    this.podModeRefused = opts.podModeRefused ?? null;
    this.resolveHost = opts.resolveHost ?? lookupAll;
    this.keepUnusedImagesMs = opts.keepUnusedImagesMs ?? 24 * HOUR_MS;
    this.imagePruneIntervalMs = opts.imagePruneIntervalMs ?? HOUR_MS;
    this.terminalBackend = opts.terminalBackend ?? 'exec';
    this.labSshPublicKey = opts.labSshPublicKey ?? null;
    const program = userNamespaceFilter();
    this.seccomp = program ? { file: path.join(this.dataDir, 'labs', `seccomp-${process.arch}.bpf`), program } : null;
    this.log.info(
      { mode: this.rootMode ? 'setuid' : 'userns', cgroups: this.cgroupRoot ?? 'none', diskQuota: this.diskQuota, seccomp: this.seccomp !== null },
      'local runtime limits',
    );
  }

  async checkAvailable(): Promise<void> {
    checkHostTools(this.bwrapPath, this.rootMode, this.diskQuota, this.images !== null);
  }

  start(req: StartRequest, onProgress?: (e: ProgressEvent) => void): Promise<RuntimeHandle> {
    return this.serialized(req.instanceId, () => this.startNow(req, onProgress));
  }

  stop(handle: RuntimeHandle): Promise<void> {
    return this.serialized(handle.instanceId, () => this.stopNow(handle));
  }

  destroy(handle: RuntimeHandle): Promise<void> {
    return this.serialized(handle.instanceId, async () => {
      await this.stopNow(handle);
      await this.removeInstance(handle);
    });
  }

  /**
   * Pod mode: removes the images no instance (running or stopped) runs from and none started within
   * keepUnusedImagesMs, at most once per imagePruneIntervalMs. Skipped while a start, stop or destroy runs
   * here: a start holds images it has prepared but not yet recorded in pod.json.
   */
  async housekeeping(): Promise<void> {
    if (!this.images || this.lifecycle.size > 0 || Date.now() - this.lastImagePrune < this.imagePruneIntervalMs) return;
    const inUse = await imagesInUse(this.dataDir);
    if (this.lifecycle.size > 0) return;
    await this.images.prune(inUse, this.keepUnusedImagesMs);
    this.lastImagePrune = Date.now();
  }

  private serialized<T>(instanceId: string, run: () => Promise<T>): Promise<T> {
    const before = this.lifecycle.get(instanceId) ?? Promise.resolve();
    const next = before.catch(() => undefined).then(run);
    this.lifecycle.set(instanceId, next);
    const forget = () => {
      if (this.lifecycle.get(instanceId) === next) this.lifecycle.delete(instanceId);
    };
    next.then(forget, forget);
    return next;
  }

  private async startNow(req: StartRequest, onProgress?: (e: ProgressEvent) => void): Promise<RuntimeHandle> {
    const progress = (message: string) => onProgress?.({ at: Date.now(), message });
    // Cheap on purpose (checkAvailable ran the full check at start-up): bwrap may have been removed since.
    requireBwrap(this.bwrapPath);
    const paths = instancePaths(this.dataDir, req.instanceId);
    const previous = await readInstanceState(paths.stateFile);
    if (previous.kind === 'ok' && previous.state.phase === 'running' && existsSync(paths.home)) {
      // Already running (a redelivered start, or a start after a reboot unmounted the volumes).
      const pod = this.images ? await preparePod(this.images, req.config, progress) : null;
      await this.prepareStorage(paths, req.config, pod ? CONTAINER_UID_BASE + pod.record.student.uid : previous.state.uid, false);
      if (!pod) return this.handleOf(previous.state);
      // After a reboot the containers start on a fresh scratch volume: sshd makes new host keys.
      const sshHostKey = await this.startContainers(paths, req, pod, previous.state.uid, progress);
      const state = { ...previous.state, sshHostKey };
      if (sshHostKey !== previous.state.sshHostKey) await writeInstanceState(paths.stateFile, state);
      return this.handleOf(state);
    }
    await fs.mkdir(paths.root, { recursive: true, mode: 0o711 });
    await fs.mkdir(paths.pids, { recursive: true, mode: 0o700 });
    await liveSandboxPids(paths.pids, paths.root);
    const uid = this.rootMode ? await reserveUid(uidsDir(this.dataDir), req.instanceId) : null;
    const identity: SandboxIdentity = uid === null ? { mode: 'userns' } : { mode: 'setuid', uid };
    const mountPath = req.config.spec.storage.mountPath;
    const pod = this.images ? await preparePod(this.images, req.config, progress) : null;
    progress('preparing storage');
    await this.prepareStorage(paths, req.config, pod ? CONTAINER_UID_BASE + pod.record.student.uid : uid, true);
    await writeEtcFiles(paths.etc, { uid: sandboxUid(identity), home: mountPath, hostname: req.config.metadata.name });
    const now = new Date().toISOString();
    const state: InstanceState = {
      instanceId: req.instanceId,
      phase: 'running',
      configHash: createHash('sha256').update(JSON.stringify(req.config)).digest('hex'),
      ownerKey: req.ownerKey,
      labKey: req.labKey,
      uid,
      createdAt: previous.kind === 'ok' ? previous.state.createdAt : now,
      startedAt: now,
      stoppedAt: null,
      sshHostKey: null,
    };
    if (pod) {
      progress('starting containers');
      state.sshHostKey = await this.startContainers(paths, req, pod, uid, progress);
    } else {
      await writeTerminalLaunch(paths, { kind: 'pty', argv: sandboxArgv(this.sandboxSpec(this.handleOf(state), req.config, true), TERMINAL_COMMAND), env: { ...OUTER_ENV }, cwd: '/' });
    }
    await writeInstanceState(paths.stateFile, state);
    const handle = this.handleOf(state);
    if (!pod && req.config.spec.network.internet && !this.shareHostNetwork) {
      progress('internet access is not available in the local runtime; the lab runs without a network');
    }
    progress('sandbox ready');
    this.log.info({ instanceId: req.instanceId, uid }, 'local lab instance started');
    return handle;
  }

  /** Pod mode with a terminal over SSH: the platform key is given to the terminal container's sshd. */
  private sshTerminal(config: LabConfig): boolean {
    return this.images !== null && this.labSshPublicKey !== null && chooseTerminalBackend(config, this.terminalBackend) === 'ssh';
  }

  /**
   * Pod mode: namespaces, egress, container file systems and main processes, and the terminal's launch
   * record. `uid`: the instance's host uid, which owns the pod's network (pod-namespaces.ts). Resolves
   * with the host key the terminal container's sshd published when the terminal goes over SSH, else null.
   */
  private async startContainers(paths: InstancePaths, req: StartRequest, pod: Awaited<ReturnType<typeof preparePod>>, uid: number | null, progress: (m: string) => void): Promise<string | null> {
    if (uid === null) throw new AppError('INTERNAL', `instance ${req.instanceId} has no host uid for its network`);
    const { plan, unresolved } = await planEgress(req.config.spec.network, this.resolveHost);
    for (const host of unresolved) progress(`allowedEgress: ${host} did not resolve; it allows nothing`);
    if (plan) progress(plan.internet ? 'network: internet (public addresses only)' : `network: ${plan.allowed.length} allowedEgress destination(s) and DNS`);
    const spec = (name: string, role: PodRole) => podSandboxSpec(this.podSettings(req.config), paths, req.instanceId, req.config, pod.record, name, role);
    const ssh = this.sshTerminal(req.config);
    const settings = { runDir: this.podRunDir, network: { uid, egress: plan }, authorizedKeys: ssh ? this.labSshPublicKey : null };
    await startPod(settings, paths, req.instanceId, pod.record, pod.rootfs, (c) => spec(c.name, 'main'), OUTER_ENV, req.config.spec.storage.mountPath);
    const argv = containerArgv(spec(pod.record.terminal, 'terminal'), [pod.record.shell, '-l']);
    await writeTerminalLaunch(paths, { kind: 'pty', argv, env: { ...OUTER_ENV }, cwd: '/' });
    const nsNet = podRunPaths(this.podRunDir, req.instanceId).nsNet;
    const late = await waitForPorts(nsNet, declaredTcpPorts(req.config), PORTS_DEADLINE_MS, progress);
    if (late.length > 0) progress(`not listening yet: ${late.map((p) => `${p.container}:${p.port}`).join(', ')}`);
    if (!ssh) return null;
    progress('terminal over SSH: reading the host key of the lab\'s sshd');
    return readPublishedHostKey(nsNet, (command) => runSandboxed(containerArgv(spec(pod.record.terminal, 'check'), command), OUTER_ENV, EXEC_DEFAULT_TIMEOUT_MS), PORTS_DEADLINE_MS);
  }

  private podSettings(config: LabConfig): PodSandboxSettings {
    return {
      runDir: this.podRunDir,
      bwrapPath: this.bwrapPath ?? 'bwrap',
      seccompFile: this.seccomp?.file ?? null,
      cgroupRoot: this.cgroupRoot,
      maxProcesses: this.maxProcesses,
      sshTerminal: this.sshTerminal(config),
    };
  }

  /** The home (created on first use) and, when `freshScratch` or missing, a new scratch volume. */
  private async prepareStorage(paths: InstancePaths, config: LabConfig, uid: number | null, freshScratch: boolean): Promise<void> {
    if (this.seccomp && !existsSync(this.seccomp.file)) {
      await fs.mkdir(path.dirname(this.seccomp.file), { recursive: true });
      await fs.writeFile(this.seccomp.file, this.seccomp.program, { mode: 0o644 });
    }
    if (!this.diskQuota || uid === null) {
      if (!existsSync(paths.home)) await createHome(paths.home, uid);
      return;
    }
    await mountHomeVolume(paths, Math.floor(parseQuantity(config.spec.storage.size)), uid);
    if (freshScratch || !(await isMountpoint(paths.scratch))) await resetScratchVolume(paths, this.scratchBytes);
  }

  async status(handle: RuntimeHandle): Promise<InstanceStatus> {
    let paths: InstancePaths;
    try {
      paths = instancePaths(this.dataDir, handle.instanceId);
    } catch (e) {
      return { phase: 'failed', reason: (e as Error).message };
    }
    const read = await readInstanceState(paths.stateFile);
    if (read.kind === 'absent') return { phase: 'absent' };
    if (read.kind === 'damaged') return { phase: 'failed', reason: read.reason };
    if (read.state.phase === 'running' && !existsSync(paths.home)) {
      return { phase: 'failed', reason: 'the home directory of the instance is missing' };
    }
    if (read.state.phase === 'running' && this.diskQuota && read.state.uid !== null && !(await isMountpoint(paths.home))) {
      return { phase: 'failed', reason: 'the storage volume of the instance is not mounted (the host restarted?); start the lab again' };
    }
    const pod = read.state.phase === 'running' ? await readPodRecord(paths) : null;
    const failure = pod ? ((await podFailure(paths, pod)) ?? (await egressFailure(podRunPaths(this.podRunDir, handle.instanceId)))) : null;
    if (failure) return { phase: 'failed', reason: failure };
    return { phase: read.state.phase };
  }

  private async stopNow(handle: RuntimeHandle): Promise<void> {
    const paths = instancePaths(this.dataDir, handle.instanceId);
    const read = await readInstanceState(paths.stateFile);
    if (read.kind === 'ok' && read.state.phase !== 'stopped') {
      await writeInstanceState(paths.stateFile, { ...read.state, phase: 'stopped', stoppedAt: new Date().toISOString() });
    }
    const uid = read.kind === 'ok' ? read.state.uid : uidOf(handle);
    const cgroup = this.cgroupRoot === null ? null : { root: this.cgroupRoot, group: instanceCgroup(handle.instanceId) };
    const pod = await readPodRecord(paths);
    // Supervisors first, or they would start the main processes again as soon as they are killed.
    await stopSupervisors(paths, pod);
    const { remaining } = await killInstanceProcesses({ pidsDir: paths.pids, instanceRoot: paths.root, uid, cgroup });
    if (remaining > 0) {
      throw new AppError('INTERNAL', `could not end every process of instance ${handle.instanceId}`, { detail: { remaining } });
    }
    if (cgroup) removeInstanceCgroups(cgroup.root, cgroup.group);
    await teardownPod({ runDir: this.podRunDir }, paths, handle.instanceId, pod);
    if (this.diskQuota) await removeScratchVolume(paths);
  }

  private async removeInstance(handle: RuntimeHandle): Promise<void> {
    const paths = instancePaths(this.dataDir, handle.instanceId);
    const read = await readInstanceState(paths.stateFile);
    await teardownPod({ runDir: this.podRunDir }, paths, handle.instanceId, await readPodRecord(paths));
    await unmountVolumes(paths);
    await fs.rm(paths.root, { recursive: true, force: true });
    const uid = read.kind === 'ok' ? read.state.uid : uidOf(handle);
    if (uid !== null) await releaseUid(uidsDir(this.dataDir), uid, handle.instanceId);
  }

  limitations(config: LabConfig): string[] {
    const notes: string[] = [];
    const terminal = config.spec.containers.find((c) => c.terminal) ?? config.spec.containers[0];
    const others = config.spec.containers.filter((c) => c !== terminal).map((c) => c.name);
    if (this.images) {
      if (chooseTerminalBackend(config, this.terminalBackend) === 'ssh') {
        if (this.labSshPublicKey === null) notes.push('The terminal opens in a local sandbox, not over SSH: this runtime has no platform key (LAB_SSH_PUBLIC_KEY).');
        const relay = missingTools(SSH_RELAY_TOOLS);
        if (relay.length > 0) notes.push(`The terminal goes over SSH and needs ${relay.map((t) => `the Debian package "${t.pkg}"`).join(' and ')} on this machine, which is missing: the terminal will not open.`);
      }
      const missing = egressWanted(config.spec.network) ? missingTools(EGRESS_TOOLS) : [];
      if (missing.length > 0) {
        const what = config.spec.network.internet ? 'internet: true' : 'allowedEgress';
        notes.push(`${what} needs ${missing.map((t) => `the Debian package "${t.pkg}"`).join(' and ')} on this machine, which is missing: the lab will not start here.`);
      }
      return notes;
    }
    if (this.podModeRefused) notes.push(this.podModeRefused);
    if (chooseTerminalBackend(config, this.terminalBackend) === 'ssh') {
      notes.push('The terminal opens in a local sandbox, not over SSH: without the lab images no sshd runs here.');
    }
    if (others.length > 0) {
      notes.push(`Only the terminal container (${terminal.name}) runs in the local runtime; the other containers (${others.join(', ')}) run only on Kubernetes, and checks in them fail here.`);
    }
    const network = config.spec.network;
    if (network.internet && !this.shareHostNetwork) {
      notes.push('Labs have no network in the local runtime: internet: true is not honoured.');
    } else if (!network.internet && network.allowedEgress.length > 0) {
      notes.push('Labs have no network in the local runtime: allowedEgress is not honoured.');
    }
    if (!this.diskQuota) {
      notes.push(`AutoLabs does not run as root here, so storage.size (${config.spec.storage.size}) limits single files only, not the whole home.`);
    }
    return notes;
  }

  /**
   * The instance only: the gateway opens the argv this runtime recorded at start (sandbox-launch.ts). A
   * pod whose terminal goes over SSH: its sshd on port 22 inside the pod's network, with the host key it
   * published at start; the gateway finds that network from the instance id (gateway backend-opener.ts).
   */
  terminalTarget(handle: RuntimeHandle, config: LabConfig): TerminalTarget {
    if (typeof handle.sshHostKey === 'string' && this.sshTerminal(config)) {
      return { kind: 'ssh', host: '127.0.0.1', port: SSH_PORT, username: SSH_TERMINAL_USER, hostKey: handle.sshHostKey, localPod: handle.instanceId };
    }
    return { kind: 'local-sandbox', instanceId: handle.instanceId };
  }

  async exec(
    handle: RuntimeHandle,
    config: LabConfig,
    command: string[],
    opts: ExecOptions = {},
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    checkExecCommand(command);
    const paths = instancePaths(this.dataDir, handle.instanceId);
    const pod = this.images ? await readPodRecord(paths) : null;
    if (pod) return this.execInPod(handle, config, pod, command, opts);
    const terminal = config.spec.containers.find((c) => c.terminal);
    if (opts.container !== undefined && opts.container !== terminal?.name) {
      throw new AppError('RUNTIME_UNAVAILABLE', `the local runtime runs only the terminal container, not ${opts.container}`, { field: 'container' });
    }
    checkRunning(await this.status(handle));
    const argv = sandboxArgv(this.sandboxSpec(handle, config, false), command);
    return runSandboxed(argv, OUTER_ENV, opts.timeoutMs ?? EXEC_DEFAULT_TIMEOUT_MS);
  }

  private async execInPod(handle: RuntimeHandle, config: LabConfig, pod: PodRecord, command: string[], opts: ExecOptions): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const name = opts.container ?? pod.terminal;
    execContainer(pod.containers, name);
    checkRunning(await this.status(handle));
    const paths = instancePaths(this.dataDir, handle.instanceId);
    const argv = containerArgv(podSandboxSpec(this.podSettings(config), paths, handle.instanceId, config, pod, name, 'check'), command);
    return runSandboxed(argv, OUTER_ENV, opts.timeoutMs ?? EXEC_DEFAULT_TIMEOUT_MS);
  }

  /** The home as a tar stream; sandboxes should be stopped first so the archive is consistent. */
  async exportStorage(handle: RuntimeHandle): Promise<Readable | null> {
    const paths = instancePaths(this.dataDir, handle.instanceId);
    // After a reboot the volume is not mounted: mount it, or the archive would be of the empty mount point.
    if (this.diskQuota && existsSync(paths.homeImage)) {
      const read = await readInstanceState(paths.stateFile);
      await mountHomeVolume(paths, 0, read.kind === 'ok' && read.state.uid !== null ? read.state.uid : 0);
    }
    return exportHome(paths.home);
  }

  /** Restores an archive into the home; the instance should be stopped. */
  async importStorage(handle: RuntimeHandle, tar: Readable): Promise<void> {
    const paths = instancePaths(this.dataDir, handle.instanceId);
    if (this.diskQuota && existsSync(paths.homeImage)) {
      const read = await readInstanceState(paths.stateFile);
      await mountHomeVolume(paths, 0, read.kind === 'ok' && read.state.uid !== null ? read.state.uid : 0);
    }
    if (!existsSync(paths.home)) {
      throw new AppError('CONFLICT', `instance ${handle.instanceId} has no storage to restore into (it has not started yet, or was destroyed)`, { field: 'instanceId' });
    }
    await importHome(paths.home, tar);
  }

  private handleOf(state: InstanceState): LocalHandle {
    return { runtime: 'local', instanceId: state.instanceId, uid: state.uid, ...(state.sshHostKey ? { sshHostKey: state.sshHostKey } : {}) };
  }

  private sandboxSpec(handle: RuntimeHandle, config: LabConfig, interactive: boolean): SandboxSpec {
    return buildSandboxSpec(
      {
        dataDir: this.dataDir,
        bwrapPath: this.bwrapPath ?? 'bwrap',
        layout: this.layout,
        rootMode: this.rootMode,
        shareHostNetwork: this.shareHostNetwork,
        maxProcesses: this.maxProcesses,
        cgroupRoot: this.cgroupRoot,
        seccompFile: this.seccomp?.file ?? null,
        diskQuota: this.diskQuota,
      },
      handle,
      config,
      interactive,
    );
  }
}
