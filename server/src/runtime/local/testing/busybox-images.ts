/**
 * Images for pod-mode tests that need no registry: a root filesystem made from Debian's static busybox
 * (the `busybox-static` package), with a `student` user, unpacked as the image store would (owned by
 * container uids shifted to CONTAINER_UID_BASE). Named by what it does: it hands out the same busybox
 * image for every reference, with the process config the test gives per reference. The real store
 * (images/image-store.ts) is tested against a real registry; this lets the pod's namespaces, overlays,
 * supervisors and checks be tested apart from pulling.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ImageProcess, PreparedImage } from '../images/image-store';
import type { PodImages } from '../pod/local-pod';
import { CONTAINER_UID_BASE } from '../pod/pod-namespaces';

export const BUSYBOX = '/bin/busybox';

export function makeBusyboxRootfs(dir: string): string {
  const rootfs = path.join(dir, 'rootfs');
  if (existsSync(rootfs)) return rootfs;
  writeBusyboxTree(rootfs);
  execFileSync('chown', ['-R', `${CONTAINER_UID_BASE}:${CONTAINER_UID_BASE}`, rootfs]);
  execFileSync('chown', ['-R', `${CONTAINER_UID_BASE + 1000}:${CONTAINER_UID_BASE + 1000}`, path.join(rootfs, 'home', 'student')]);
  return rootfs;
}

/** The busybox image's files, owned by whoever runs this (root in the tests); `student` is uid 1000, `www` 33. */
export function writeBusyboxTree(rootfs: string): void {
  if (!existsSync(BUSYBOX)) throw new Error('busybox is missing: install the Debian package "busybox-static"');
  for (const d of ['bin', 'etc', 'home/student', 'tmp', 'www', 'root', 'proc', 'dev']) mkdirSync(path.join(rootfs, d), { recursive: true });
  execFileSync('cp', [BUSYBOX, path.join(rootfs, 'bin', 'busybox')]);
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const a of applets) if (a !== 'busybox') execFileSync('ln', ['-sf', 'busybox', path.join(rootfs, 'bin', a)]);
  mkdirSync(path.join(rootfs, 'usr'), { recursive: true });
  execFileSync('ln', ['-sfn', '../bin', path.join(rootfs, 'usr', 'bin')]);
  writeFileSync(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nstudent:x:1000:1000:Student:/home/student:/bin/sh\nwww:x:33:33:www:/www:/bin/false\n');
  writeFileSync(path.join(rootfs, 'etc', 'group'), 'root:x:0:\nstudent:x:1000:\nwww:x:33:\n');
  writeFileSync(path.join(rootfs, 'www', 'index.html'), 'served by the web container\n');
  execFileSync('chmod', ['1777', path.join(rootfs, 'tmp')]);
  execFileSync('chown', ['-R', '1000:1000', path.join(rootfs, 'home', 'student')]);
}

/** Every reference is the busybox image; `processes` gives each reference's entrypoint, cmd, env, user. */
export class BusyboxImages implements PodImages {
  readonly prepared: string[] = [];
  constructor(
    private readonly dir: string,
    private readonly processes: Record<string, Partial<ImageProcess>> = {},
  ) {}

  async prepare(reference: string): Promise<PreparedImage> {
    if (reference.includes('missing')) throw new Error(`image ${reference} does not exist`);
    this.prepared.push(reference);
    const process: ImageProcess = { entrypoint: [], cmd: ['/bin/sleep', '1000000'], env: { PATH: '/bin' }, workingDir: '/', user: '', ...this.processes[reference] };
    return { reference, digest: 'sha256:busybox', rootfs: makeBusyboxRootfs(this.dir), process };
  }

  /** The one busybox root filesystem is shared by every test of a file: never removed. */
  async prune(): Promise<{ removed: string[] }> {
    return { removed: [] };
  }
}
