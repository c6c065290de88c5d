/**
 * Each container's root filesystem: its image's unpacked rootfs (shared, read-only, owned by container
 * uids shifted to CONTAINER_UID_BASE) under an overlay whose writable layer belongs to the instance. The
 * writable layers live on the instance's scratch volume, so they count against its quota and are new at
 * each start, like a Pod's containers. Mounted once per start on the host (overlayfs refuses two mounts
 * sharing one upper directory) in the pod's run directory, and bound as `/` by every sandbox of it.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '@autolabs/common/errors/app-error';
import { isMountpoint } from '@autolabs/common/lab-access/local/mountpoint';
import type { PodRunPaths } from '@autolabs/common/lab-access/local/pod-run-dir';

const run = promisify(execFile);

export interface ContainerDirs {
  /** The merged root filesystem the sandboxes bind as `/`. */
  rootfs: string;
  upper: string;
  work: string;
  /** Supervisor state and log of the container's main process. */
  state: string;
}

export function containerDirs(instanceRoot: string, scratch: string, name: string, run: PodRunPaths): ContainerDirs {
  return { ...containerStorage(instanceRoot, scratch, name), rootfs: run.rootfs(name) };
}

/** The container's directories that do not depend on the run directory (layers, supervisor state). */
export function containerStorage(instanceRoot: string, scratch: string, name: string): Omit<ContainerDirs, 'rootfs'> {
  return {
    upper: path.join(scratch, 'containers', name, 'upper'),
    work: path.join(scratch, 'containers', name, 'work'),
    state: path.join(instanceRoot, 'containers', name),
  };
}

/**
 * Mounts the container's file system and makes the mount points its sandboxes need (a container user
 * other than root could not create them in `/etc` or `/home`), owned by the container's root.
 */
export async function mountContainerRootfs(dirs: ContainerDirs, imageRootfs: string, mountPoints: { files: string[]; dirs: string[] }): Promise<void> {
  if (await isMountpoint(dirs.rootfs)) return;
  for (const d of [dirs.rootfs, dirs.upper, dirs.work]) await fs.mkdir(d, { recursive: true, mode: 0o755 });
  // The merged `/` takes the upper directory's owner and mode: make them the image root's.
  const top = await fs.stat(imageRootfs);
  await fs.chown(dirs.upper, top.uid, top.gid);
  await fs.chmod(dirs.upper, top.mode & 0o7777);
  try {
    await run('/usr/bin/mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${imageRootfs},upperdir=${dirs.upper},workdir=${dirs.work},nodev`, dirs.rootfs], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
  } catch (e) {
    throw new AppError('RUNTIME_UNAVAILABLE', 'could not mount a container file system (overlayfs)', { detail: { stderr: (e as { stderr?: string }).stderr }, cause: e });
  }
  for (const d of mountPoints.dirs) await ensureOwned(path.join(dirs.rootfs, d), top.uid, 'dir');
  for (const f of mountPoints.files) await ensureOwned(path.join(dirs.rootfs, f), top.uid, 'file');
}

async function ensureOwned(p: string, uid: number, kind: 'dir' | 'file'): Promise<void> {
  const stat = await fs.lstat(p).catch(() => null);
  if (stat?.isSymbolicLink()) await fs.rm(p);
  else if (stat) return;
  // Parents the image lacks (e.g. /etc/autolabs) are the container root's too: sshd's StrictModes checks them.
  const first = await fs.mkdir(path.dirname(p), { recursive: true });
  for (let d = path.dirname(p); first !== undefined && d.length >= first.length; d = path.dirname(d)) await fs.chown(d, uid, uid);
  if (kind === 'dir') await fs.mkdir(p, { recursive: true, mode: 0o755 });
  else await fs.writeFile(p, '', { mode: 0o644 });
  await fs.chown(p, uid, uid);
}

export async function unmountContainerRootfs(dirs: ContainerDirs): Promise<void> {
  if (await isMountpoint(dirs.rootfs)) await run('/usr/bin/umount', [dirs.rootfs], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
}
