/**
 * The local runtime's image housekeeping with the real image store (skopeo, umoci): images come from the
 * data directory's local OCI layout (as `npm run images` leaves them), two busybox images with different
 * configs. An image no instance runs from is removed once its keep window has passed; an image a stopped
 * instance runs from is kept (its writable layers sit on it); a start after a prune unpacks again.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labConfigSchema, type LabConfig } from '@autolabs/server/labs/lab-config';
import type { RuntimeHandle } from '@autolabs/server/runtime/lab-runtime';
import { ImageStore } from '@autolabs/server/runtime/local/images/image-store';
import { LocalRuntime } from '@autolabs/server/runtime/local/local-runtime';
import { CONTAINER_UID_BASE } from '@autolabs/server/runtime/local/pod/pod-namespaces';
import { writeBusyboxTree } from '@autolabs/server/runtime/local/testing/busybox-images';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';

const silent = pino({ level: 'silent' });

function lab(image: string): LabConfig {
  return labConfigSchema.parse({
    apiVersion: 'autolabs.io/v1',
    kind: 'Lab',
    metadata: { name: 'prune-lab', title: 'Prune lab' },
    spec: { containers: [{ name: 'shell', image, terminal: true }], storage: { size: '16Mi', mountPath: '/home/student' } },
  });
}

/** Busybox as an OCI image in `layout`, tagged `lab/a:1` and `lab/b:1` (different cmd, so different digests). */
function buildLocalLayout(work: string, layout: string): void {
  const build = path.join(work, 'build');
  fs.mkdirSync(path.dirname(layout), { recursive: true });
  const sh = (args: string[]) => execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  sh(['umoci', 'init', '--layout', build]);
  sh(['umoci', 'new', '--image', `${build}:base`]);
  const bundle = path.join(work, 'bundle');
  sh(['umoci', 'unpack', '--image', `${build}:base`, bundle]);
  writeBusyboxTree(path.join(bundle, 'rootfs'));
  sh(['umoci', 'repack', '--image', `${build}:base`, bundle]);
  for (const [tag, cmd] of [['a', 'a'], ['b', 'b']]) {
    sh(['umoci', 'config', '--image', `${build}:base`, '--tag', tag, '--config.cmd', '/bin/sleep', '--config.cmd', `100000${cmd === 'a' ? 1 : 2}`]);
    sh(['skopeo', 'copy', '-q', `oci:${build}:${tag}`, `oci:${layout}:lab/${tag}:1`]);
  }
}

describe('LocalRuntime image housekeeping (real image store)', () => {
  let work: string;
  let dataDir: string;
  const handles: RuntimeHandle[] = [];
  const rootfsDir = () => path.join(dataDir, 'images', 'rootfs');
  const unpacked = () => fs.readdirSync(rootfsDir()).sort();
  const runtime = (keepUnusedImagesMs: number) =>
    new LocalRuntime({
      dataDir,
      log: silent,
      images: new ImageStore({ dataDir, registry: { rewrites: [], insecure: [], authFile: null }, uidBase: CONTAINER_UID_BASE, log: silent }),
      keepUnusedImagesMs,
      imagePruneIntervalMs: 0,
    });
  const start = async (rt: LocalRuntime, image: string) => {
    const handle = await rt.start({ instanceId: randomUUID(), ownerKey: 'student-1', labKey: 'prune-lab', config: lab(image) });
    handles.push(handle);
    return handle;
  };

  beforeAll(() => {
    for (const tool of ['umoci', 'skopeo']) {
      if (!fs.existsSync(`/usr/bin/${tool}`)) throw new Error(`${tool} is missing: install the Debian package "${tool}"`);
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-prune-'));
    dataDir = path.join(work, 'data');
    buildLocalLayout(work, path.join(dataDir, 'images', 'local'));
  });
  afterAll(async () => {
    const rt = runtime(0);
    for (const h of handles) await rt.destroy(h).catch(() => undefined);
    removeDataDir(work);
  });

  it('keeps the images of running and stopped instances and removes the one no instance uses', async () => {
    const rt = runtime(0);
    const a = await start(rt, 'lab/a:1');
    const b = await start(rt, 'lab/b:1');
    const digestOf = (h: RuntimeHandle) =>
      (JSON.parse(fs.readFileSync(path.join(dataDir, 'labs', h.instanceId, 'pod.json'), 'utf8')) as { containers: { digest: string }[] }).containers[0].digest.slice(7);
    const [imageA, imageB] = [digestOf(a), digestOf(b)];
    expect(unpacked()).toEqual([imageA, imageB].sort());

    await rt.stop(a);
    await rt.housekeeping();
    expect(unpacked()).toEqual([imageA, imageB].sort());

    await rt.destroy(b);
    await rt.housekeeping();
    expect(unpacked()).toEqual([imageA]);

    // The stopped instance starts again on its kept image.
    await rt.start({ instanceId: a.instanceId, ownerKey: 'student-1', labKey: 'prune-lab', config: lab('lab/a:1') });
    expect((await rt.exec(a, lab('lab/a:1'), ['/bin/sh', '-c', 'echo back'])).stdout).toBe('back\n');

    // Once no instance uses it, image a goes too; a later start unpacks it again.
    await rt.destroy(a);
    await rt.housekeeping();
    expect(unpacked()).toEqual([]);
    const again = await start(rt, 'lab/a:1');
    expect(unpacked()).toEqual([imageA]);
    await rt.destroy(again);
  });

  it('keeps an unused image while its last start is within the keep window', async () => {
    await runtime(0).housekeeping();
    expect(unpacked()).toEqual([]);
    const rt = runtime(3600_000);
    const h = await start(rt, 'lab/b:1');
    await rt.destroy(h);
    await rt.housekeeping();
    expect(unpacked()).toHaveLength(1);
    await runtime(0).housekeeping();
    expect(unpacked()).toEqual([]);
  });
});
