/**
 * The pod mode of the local runtime: every container of a lab runs from its own image, in one user and
 * network namespace per instance (pod-namespaces.ts), each in an overlay over its unpacked image
 * (container-rootfs.ts), its main process kept running by a supervisor (container-supervisor.ts). The
 * terminal and the checks are further sandboxes in the same containers (container-argv.ts).
 *
 * What start records in `<instance>/pod.json` (how to run each container, resolved from its image and
 * the lab) is all that exec, the terminal and status need later, so they are the same after a restart of
 * our process.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '@autolabs/common/errors/app-error';
import type { LabConfig, LabContainer } from '../../../labs/lab-config';
import { STUDENT_USER } from '../etc-files';
import type { ImageProcess, PreparedImage, PullProgress } from '../images/image-store';
import { isMountpoint } from '@autolabs/common/lab-access/local/mountpoint';
import type { InstancePaths } from '@autolabs/common/lab-access/local/instance-paths';
import { AUTHORIZED_KEYS_IN_CONTAINER, containerArgv, type ContainerSandboxSpec } from './container-argv';
import { containerDirs, containerStorage, mountContainerRootfs, unmountContainerRootfs } from './container-rootfs';
import { lastExit, logTail, startSupervisor, stopSupervisor, supervisorAlive } from './container-supervisor';
import { ensurePodEgress, type PodNetwork } from './pod-egress';
import { resolveImageUser, writePodEtc } from './pod-etc';
import { CONTAINER_UID_BASE, ensurePodNamespaces, removePodNamespaces } from './pod-namespaces';
import { ensureRunDir, mountTool, podRunPaths, unmountIfMounted } from '@autolabs/common/lab-access/local/pod-run-dir';

/** What the pod mode needs of the image store (images/image-store.ts). */
export interface PodImages {
  prepare(reference: string, onProgress?: (p: PullProgress) => void): Promise<PreparedImage>;
  /** Drops images not in `inUse` and not prepared in the last `keepUnusedMs`; returns their digests. */
  prune(inUse: Set<string>, keepUnusedMs: number): Promise<{ removed: string[] }>;
}


interface RecordedContainer {
  name: string;
  digest: string;
  main: string[];
  env: Record<string, string>;
  workingDir: string;
  user: { uid: number; gid: number };
}

export interface PodRecord {
  hostname: string;
  terminal: string;
  /** Who the student is in the terminal container (its `student` user, else the image's user). */
  student: { uid: number; gid: number };
  shell: string;
  containers: RecordedContainer[];
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** A container whose main process ended this often is reported as failing (Kubernetes: CrashLoopBackOff). */
const CRASH_LOOP_RESTARTS = 3;

function podFile(paths: InstancePaths): string {
  return path.join(paths.root, 'pod.json');
}

export async function readPodRecord(paths: InstancePaths): Promise<PodRecord | null> {
  const text = await fs.readFile(podFile(paths), 'utf8').catch(() => null);
  return text === null ? null : (JSON.parse(text) as PodRecord);
}

/** Prepares every image (pulling what is missing), then records how each container runs. */
export async function preparePod(images: PodImages, config: LabConfig, progress: (m: string) => void): Promise<{ record: PodRecord; rootfs: Map<string, string> }> {
  const rootfs = new Map<string, string>();
  const containers: RecordedContainer[] = [];
  let student: { uid: number; gid: number } | null = null;
  let shell = '/bin/sh';
  for (const c of config.spec.containers) {
    progress(`image ${c.image} for ${c.name}`);
    const image = await images.prepare(c.image, (p) => progress(`${c.name}: ${p.message}`)).catch((e: unknown) => {
      throw imageUnavailable(c, e);
    });
    rootfs.set(c.name, image.rootfs);
    const user = await resolveImageUser(image.rootfs, image.process.user);
    if (!user) throw new AppError('RUNTIME_UNAVAILABLE', `image ${c.image} runs as user "${image.process.user}", which its /etc/passwd does not define`, { field: 'image' });
    containers.push({ name: c.name, digest: image.digest, main: mainCommand(c, image.process), env: containerEnv(c, image.process), workingDir: image.process.workingDir || '/', user });
    if (c.terminal) {
      student = (await resolveImageUser(image.rootfs, STUDENT_USER)) ?? user;
      if (existsSync(path.join(image.rootfs, 'bin', 'bash')) || existsSync(path.join(image.rootfs, 'usr', 'bin', 'bash'))) shell = '/bin/bash';
    }
    if (containers.at(-1)?.main.length === 0) {
      throw new AppError('BAD_INPUT', `container ${c.name}: image ${c.image} has no entrypoint or command; set command in the lab`, { field: 'command' });
    }
  }
  const terminal = config.spec.containers.find((c) => c.terminal) ?? config.spec.containers[0];
  return { record: { hostname: terminal.name, terminal: terminal.name, student: student ?? { uid: 0, gid: 0 }, shell, containers }, rootfs };
}

/** The store's reason, for the lab card: which container, and for our own images the command that builds them. */
function imageUnavailable(c: LabContainer, e: unknown): AppError {
  const reason = e instanceof Error ? e.message : String(e);
  const hint = /^(docker\.io\/)?autolabs\//.test(c.image) ? ' Build the bundled lab images on this machine with `npm run images` (or set LAB_IMAGE_REGISTRY).' : '';
  const sentence = hint && !/[.!]$/.test(reason) ? `${reason}.` : reason;
  return new AppError('RUNTIME_UNAVAILABLE', `container ${c.name}: ${sentence}${hint}`, { field: 'image', cause: e });
}

/** Kubernetes semantics: `command` replaces the entrypoint, `args` the image's cmd (ignored when only command is set). */
function mainCommand(c: LabContainer, image: ImageProcess): string[] {
  if (c.command) return [...c.command, ...(c.args ?? [])];
  return [...image.entrypoint, ...(c.args ?? image.cmd)];
}

function containerEnv(c: LabContainer, image: ImageProcess): Record<string, string> {
  return { PATH: DEFAULT_PATH, ...image.env, ...(c.env ?? {}) };
}

/**
 * Namespaces, hosts files, egress and container file systems; then each container's main process.
 * `settings.authorizedKeys`: the keys the terminal container's sshd accepts (the platform key when the
 * lab's terminal is reached over SSH), bound at /etc/autolabs/authorized_keys; null: none.
 */
export async function startPod(
  settings: { runDir: string; network: PodNetwork; authorizedKeys: string | null },
  paths: InstancePaths,
  instanceId: string,
  record: PodRecord,
  rootfs: Map<string, string>,
  mainSpec: (c: RecordedContainer) => ContainerSandboxSpec,
  outerEnv: Record<string, string>,
  mountPath: string,
): Promise<void> {
  await ensureRunDir(settings.runDir);
  const run = podRunPaths(settings.runDir, instanceId);
  await fs.mkdir(run.dir, { recursive: true, mode: 0o711 });
  await ensurePodNamespaces(run, settings.network.uid);
  await writePodEtc(run.etc, { hostname: record.hostname, containers: record.containers.map((c) => c.name) });
  if (settings.authorizedKeys !== null) await writeAuthorizedKeys(run.authorizedKeys, settings.authorizedKeys);
  await ensurePodEgress(run, settings.network);
  await fs.mkdir(run.home, { recursive: true });
  if (!(await isMountpoint(run.home))) await mountTool(['--bind', paths.home, run.home]);
  for (const c of record.containers) {
    const image = rootfs.get(c.name);
    if (!image) throw new AppError('INTERNAL', `no image prepared for ${c.name}`);
    const storage = c.name === record.terminal ? [mountPath] : [];
    const keys = c.name === record.terminal && settings.authorizedKeys !== null ? [AUTHORIZED_KEYS_IN_CONTAINER.slice(1)] : [];
    await mountContainerRootfs(containerDirs(paths.root, paths.scratch, c.name, run), image, {
      files: ['etc/hosts', 'etc/hostname', 'etc/resolv.conf', ...keys],
      dirs: ['proc', 'dev', 'tmp', ...storage.map((m) => m.slice(1))],
    });
  }
  await fs.writeFile(podFile(paths), JSON.stringify(record), { mode: 0o600 });
  for (const c of record.containers) {
    const dirs = containerStorage(paths.root, paths.scratch, c.name);
    if (await supervisorAlive(dirs.state)) continue;
    const owner = `${CONTAINER_UID_BASE + c.user.uid}:${CONTAINER_UID_BASE + c.user.gid}`;
    await startSupervisor(dirs.state, owner, containerArgv(mainSpec(c), c.main), outerEnv);
  }
}

/**
 * Owned by container root (host uid CONTAINER_UID_BASE), mode 0644: sshd's StrictModes accepts a key file
 * only when root or the user owns it, and the container cannot change it (it is bound read-only).
 */
async function writeAuthorizedKeys(file: string, keys: string): Promise<void> {
  await fs.writeFile(file, keys.endsWith('\n') ? keys : `${keys}\n`, { mode: 0o644 });
  await fs.chown(file, CONTAINER_UID_BASE, CONTAINER_UID_BASE);
}

/** Ends the supervisors (the caller then kills the sandboxes), then unmounts and drops the namespaces. */
export async function stopSupervisors(paths: InstancePaths, record: PodRecord | null): Promise<void> {
  for (const c of record?.containers ?? []) await stopSupervisor(containerStorage(paths.root, paths.scratch, c.name).state);
}

export async function teardownPod(settings: { runDir: string }, paths: InstancePaths, instanceId: string, record: PodRecord | null): Promise<void> {
  const run = podRunPaths(settings.runDir, instanceId);
  for (const c of record?.containers ?? []) await unmountContainerRootfs(containerDirs(paths.root, paths.scratch, c.name, run));
  await unmountIfMounted(run.home);
  await removePodNamespaces(run);
  await fs.rm(run.dir, { recursive: true, force: true });
}

/** 'failed' with the reason when a container keeps exiting; null when every container is healthy. */
export async function podFailure(paths: InstancePaths, record: PodRecord): Promise<string | null> {
  for (const c of record.containers) {
    const dirs = containerStorage(paths.root, paths.scratch, c.name);
    const exit = await lastExit(dirs.state);
    if (!(await supervisorAlive(dirs.state))) return `container ${c.name} is not running; start the lab again`;
    if (exit && exit.restarts >= CRASH_LOOP_RESTARTS) {
      const tail = await logTail(dirs.state, 3);
      return `container ${c.name}: CrashLoopBackOff: exited with code ${exit.exitCode} (${exit.restarts} times)${tail ? `: ${tail}` : ''}`;
    }
  }
  return null;
}
