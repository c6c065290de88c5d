/**
 * The lab image pipeline as `npm run images` runs it (lab-images/build.sh): every image a bundled lab names
 * is built from the Debian mirror, or taken from the build cache (~/.cache/autolabs/images), then pushed to
 * a real registry (Debian's docker-registry) and, with no registry configured, copied into the OCI layout
 * the embedded runtime reads. Unpacked with umoci, the images hold what the labs' tasks and checks use, and
 * the service images serve when their main process runs as a plain process tree, without a container engine.
 *
 * A cold build (debootstrap base and six images) took 5 to 9 minutes on 2 cores here; with the cache a run
 * is a copy of a few seconds. docs/lab-images.md has the numbers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLabConfig, type LabConfig } from '@autolabs/server/labs/lab-config';
import {
  REPO,
  buildImages,
  hasCommand,
  imageConfig,
  inImage,
  requireTools,
  runImage,
  skopeoInspect,
  startRegistry,
  unpackImage,
  type ImageBundle,
  type Registry,
} from './lab-image-fixture';

const COLD_BUILD_MS = 25 * 60_000;
const UNPACK_MS = 180_000;

const labs: LabConfig[] = fs
  .readdirSync(path.join(REPO, 'lab-configs'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parseLabConfig(fs.readFileSync(path.join(REPO, 'lab-configs', f), 'utf8')));
const labImages = [...new Set(labs.flatMap((l) => l.spec.containers.map((c) => c.image)))].sort();

let work: string;
let registry: Registry;
let registryRun: string;
let layout: string;
let layoutRun: string;

beforeAll(async () => {
  requireTools(['skopeo', 'umoci', 'docker-registry', 'debootstrap', 'bwrap', 'unshare', 'nsenter', 'chroot', 'curl', 'psql']);
  if (!['buildah', 'podman', 'docker'].some(hasCommand)) throw new Error('the lab image test needs buildah, podman or docker');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-lab-images-'));
  fs.mkdirSync(path.join(work, 'registry'));
  registry = await startRegistry(path.join(work, 'registry'));
  registryRun = await buildImages({ LAB_IMAGE_REGISTRY: registry.address, LAB_IMAGE_REGISTRY_INSECURE: '1' });
  const dataDir = path.join(work, 'data');
  layout = path.join(dataDir, 'images/local');
  layoutRun = await buildImages({ AUTOLABS_DATA_DIR: dataDir, LAB_IMAGE_REGISTRY: '' });
}, COLD_BUILD_MS);

afterAll(async () => {
  await registry?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('lab image pipeline', () => {
  it('the bundled labs name only images that lab-images/ builds', () => {
    expect(labImages.length).toBeGreaterThan(0);
    for (const image of labImages) {
      const name = /^autolabs\/([a-z0-9-]+):latest$/.exec(image)?.[1];
      expect(name, `${image} is not an autolabs/<name>:latest image`).toBeDefined();
      expect(fs.existsSync(path.join(REPO, 'lab-images', name!, 'Dockerfile')), `lab-images/${name}/Dockerfile`).toBe(true);
    }
  });

  it('pushes every image a bundled lab names to the configured registry, with a digest', async () => {
    for (const image of labImages) {
      const pushed = await skopeoInspect('--tls-verify=false', `docker://${registry.address}/${image}`);
      expect(pushed.Digest, image).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    expect(registryRun).toContain(`published to ${registry.address}`);
  });

  it('with no registry configured, copies every image into the OCI layout under AUTOLABS_DATA_DIR, by the name the lab uses', async () => {
    for (const image of labImages) {
      const local = await skopeoInspect(`oci:${layout}:${image}`);
      const pushed = await skopeoInspect('--tls-verify=false', `docker://${registry.address}/${image}`);
      expect(local.Digest, image).toBe(pushed.Digest);
    }
  });

  it('takes every image from the cache when nothing changed', () => {
    const states = new Map([...layoutRun.matchAll(/^\[images\] (\S+) +(built|cached) /gm)].map((m) => [m[1], m[2]]));
    for (const name of ['base', ...labImages.map((i) => i.split(/[/:]/)[1])]) expect(states.get(name), name).toBe('cached');
  });

  it("no two containers of a lab expose the same port: they share the pod's network (two sshd crash-looped on port 22)", async () => {
    for (const lab of labs) {
      const owners = new Map<string, string[]>();
      for (const c of lab.spec.containers) {
        for (const port of Object.keys((await imageConfig(`oci:${layout}:${c.image}`)).ExposedPorts ?? {})) owners.set(port, [...(owners.get(port) ?? []), c.name]);
      }
      expect([...owners].filter(([, names]) => names.length > 1), lab.metadata.name).toEqual([]);
    }
  });

  it('every image exposes the ports its lab declares', async () => {
    for (const c of labs.flatMap((l) => l.spec.containers)) {
      const exposed = Object.keys((await imageConfig(`oci:${layout}:${c.image}`)).ExposedPorts ?? {});
      for (const p of c.ports ?? []) expect(exposed, `${c.image} for ${c.name}`).toContain(`${p.containerPort}/tcp`);
    }
  });
});

describe('unpacked with umoci', () => {
  const bundles = new Map<string, ImageBundle>();
  async function unpacked(name: string): Promise<ImageBundle> {
    if (!bundles.has(name)) bundles.set(name, await unpackImage(layout, `autolabs/${name}:latest`, path.join(work, `bundle-${name}`)));
    return bundles.get(name)!;
  }
  const missingCommands = (b: ImageBundle, names: string[]) => inImage(b, 'for c in "$@"; do command -v "$c" >/dev/null || echo "$c"; done', ...names);
  const studentHome = (b: ImageBundle) => inImage(b, 'getent passwd student | cut -d: -f6');

  it('netlab has the tools the network-analysis lab names, sshd and the student user', async () => {
    const b = await unpacked('netlab');
    expect(await missingCommands(b, ['nmap', 'nc', 'curl', 'dig', 'ip', 'ss', 'traceroute', 'ping', 'apt-get', 'sshd'])).toBe('');
    expect((await studentHome(b)).trim()).toBe('/home/student');
  }, UNPACK_MS);

  it('linux-basics has what its checks use, including /etc/services with tcp lines', async () => {
    const b = await unpacked('linux-basics');
    expect(await missingCommands(b, ['sh', 'grep', 'stat', 'tr', 'readlink', 'ln', 'chmod', 'nano', 'sshd'])).toBe('');
    expect(Number(await inImage(b, 'grep -c tcp /etc/services'))).toBeGreaterThan(10);
    expect((await studentHome(b)).trim()).toBe('/home/student');
  }, UNPACK_MS);

  it('sqli-attacker has curl (its checks) and sqlmap', async () => {
    const b = await unpacked('sqli-attacker');
    expect(await missingCommands(b, ['curl', 'sqlmap', 'python3', 'nc', 'sshd'])).toBe('');
    expect((await studentHome(b)).trim()).toBe('/home/student');
  }, UNPACK_MS);

  it('nginx serves a page that names nginx on port 80, with its Server header', async () => {
    const running = await runImage(await unpacked('nginx'));
    try {
      const response = await running.probe(['curl', '-sfi', 'http://127.0.0.1:80/']);
      expect(response).toMatch(/^Server: nginx/m);
      expect(response).toContain('Welcome to nginx!');
    } finally {
      await running.stop();
    }
  }, UNPACK_MS);

  it("postgres runs as its own user and serves the lab's database on port 5432 with the lab's password only", async () => {
    const db = labs.flatMap((l) => l.spec.containers).find((c) => c.image === 'autolabs/postgres:latest')!;
    const { POSTGRES_PASSWORD: password, POSTGRES_DB: database } = db.env as Record<string, string>;
    const b = await unpacked('postgres');
    expect(b.uid).not.toBe(0);
    const running = await runImage(b, db.env);
    try {
      const url = `postgresql://postgres@127.0.0.1:5432/${database}`;
      const row = await running.probe(['psql', url, '-Atc', 'select current_user, current_database()'], { PGPASSWORD: password });
      expect(row.trim()).toBe(`postgres|${database}`);
      const wrong = await running.once(['psql', url, '-Atc', 'select 1'], { PGPASSWORD: 'not-the-password' });
      expect(wrong.code).not.toBe(0);
      expect(wrong.output).toContain('password authentication failed');
    } finally {
      await running.stop();
    }
  }, UNPACK_MS);

  it("sqli-target serves the shop on port 80, and a UNION injection reads the admin's flag", async () => {
    const running = await runImage(await unpacked('sqli-target'));
    try {
      expect(await running.probe(['curl', '-sf', 'http://127.0.0.1/'])).toContain('Shop search');
      const injection = encodeURIComponent("' UNION SELECT username, password FROM users-- ");
      expect(await running.probe(['curl', '-sf', `http://127.0.0.1/?q=${injection}`])).toContain('FLAG{union-select-wins}');
    } finally {
      await running.stop();
    }
  }, UNPACK_MS);
});
