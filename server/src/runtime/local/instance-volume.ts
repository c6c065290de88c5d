/**
 * Disk quotas for the local runtime (root mode): the instance's home and its scratch space are ext4
 * images, loop-mounted by the runtime, so `storage.size` is a real limit. A write past it fails with
 * ENOSPC inside the sandbox; the host disk holds at most the image, which is sparse. /tmp on a volume of
 * its own (instead of a tmpfs) means filling it fails with ENOSPC, not with the memory cgroup's OOM killer
 * ending the student's session.
 *
 * - home.img: created once (sized from storage.size, at least MIN_VOLUME_BYTES), mounted at home/ by start
 *   and by exportStorage (after a reboot nothing is mounted), unmounted by destroy.
 * - scratch.img: created anew by every start (scratch is not kept, like a container's /tmp), removed by
 *   stop and destroy.
 * Mounts are nosuid,nodev. Every step is idempotent, so a redelivered start or a half-done stop can run
 * again.
 */
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '@autolabs/common/errors/app-error';
import type { InstancePaths } from '@autolabs/common/lab-access/local/instance-paths';
import { isMountpoint } from '@autolabs/common/lab-access/local/mountpoint';

const run = promisify(execFile);
const TOOL_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

/** ext4 needs some room for itself; smaller storage sizes get an image of this size. */
export const MIN_VOLUME_BYTES = 16 * 2 ** 20;

/** Mounts the home volume, creating it (with /etc/skel, owned by `uid`) on first use. */
export async function mountHomeVolume(paths: InstancePaths, bytes: number, uid: number): Promise<void> {
  if (await isMountpoint(paths.home)) return;
  const fresh = !existsSync(paths.homeImage);
  if (fresh) await makeImage(paths.homeImage, bytes, uid, true);
  await fs.mkdir(paths.home, { recursive: true, mode: 0o700 });
  // A home from before quotas: its files move into the new volume.
  const legacy = fresh && (await fs.readdir(paths.home)).length > 0 ? `${paths.home}.legacy` : null;
  if (legacy) await fs.rename(paths.home, legacy).then(() => fs.mkdir(paths.home, { mode: 0o700 }));
  await mount(paths.homeImage, paths.home);
  if (!fresh) return;
  await fs.rm(path.join(paths.home, 'lost+found'), { recursive: true, force: true });
  const source = legacy ?? (existsSync('/etc/skel') ? '/etc/skel' : null);
  if (source) await run('cp', ['-a', `${source}/.`, paths.home], { env: TOOL_ENV });
  if (!legacy) await run('chown', ['-R', `${uid}:${uid}`, paths.home], { env: TOOL_ENV });
  await fs.chmod(paths.home, 0o700);
  if (legacy) await fs.rm(legacy, { recursive: true, force: true });
}

/** A new, empty scratch volume with tmp/ and var-tmp/ (mode 1777), replacing any previous one. */
export async function resetScratchVolume(paths: InstancePaths, bytes: number): Promise<void> {
  await removeScratchVolume(paths);
  await makeImage(paths.scratchImage, bytes, 0, false);
  await fs.mkdir(paths.scratch, { recursive: true, mode: 0o755 });
  await mount(paths.scratchImage, paths.scratch);
  await fs.rm(path.join(paths.scratch, 'lost+found'), { recursive: true, force: true });
  for (const dir of ['tmp', 'var-tmp']) {
    await fs.mkdir(path.join(paths.scratch, dir), { recursive: true });
    await fs.chmod(path.join(paths.scratch, dir), 0o1777);
  }
}

export async function removeScratchVolume(paths: InstancePaths): Promise<void> {
  await unmount(paths.scratch);
  await fs.rm(paths.scratchImage, { force: true });
}

/** Unmounts both volumes (destroy); the images go with the instance directory. */
export async function unmountVolumes(paths: InstancePaths): Promise<void> {
  await removeScratchVolume(paths);
  await unmount(paths.home);
}

async function makeImage(image: string, bytes: number, uid: number, journal: boolean): Promise<void> {
  const size = Math.max(bytes, MIN_VOLUME_BYTES);
  const tmp = `${image}.new`;
  await fs.rm(tmp, { force: true });
  const file = await fs.open(tmp, 'w', 0o600);
  try {
    await file.truncate(size);
  } finally {
    await file.close();
  }
  const features = journal ? [] : ['-O', '^has_journal'];
  await tool('/usr/sbin/mkfs.ext4', ['-q', '-F', '-m', '0', ...features, '-E', `root_owner=${uid}:${uid}`, tmp], 'create a storage volume');
  await fs.rename(tmp, image);
}

async function mount(image: string, dir: string): Promise<void> {
  await tool('/usr/bin/mount', ['-o', 'loop,nosuid,nodev', image, dir], 'mount a storage volume');
}

async function unmount(dir: string): Promise<void> {
  if (await isMountpoint(dir)) await tool('/usr/bin/umount', [dir], 'unmount a storage volume');
}

async function tool(file: string, args: string[], what: string): Promise<void> {
  try {
    await run(file, args, { env: TOOL_ENV });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? '';
    const full = /No space left|ENOSPC/i.test(stderr) || (e as NodeJS.ErrnoException).code === 'ENOSPC';
    throw new AppError('RUNTIME_UNAVAILABLE', full ? `the host disk is full: could not ${what}` : `could not ${what}`, {
      detail: { file, args, stderr },
      cause: e,
    });
  }
}

