/**
 * The local runtime's image store against the real tools: Debian's registry:2 (docker-registry) on a loopback
 * port, skopeo, umoci and flock. The test image is made here, without network: busybox-static in a first
 * layer, a file deleted in a second (a whiteout), a config with entrypoint, cmd, env, working dir and user.
 */
import { caught } from '@autolabs/common/testing/caught';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { ImageStore, type PullProgress, type RegistryConfig } from '../../server/src/runtime/local/images/image-store';
import { goArch } from '../../server/src/runtime/local/images/skopeo-argv';
import { freePort } from '@autolabs/common/testing/free-port';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { removeDataDir } from '../../server/src/infra/testing/remove-data-dir';

const UID_BASE = 300_000;
const TOOLS = ['/usr/bin/docker-registry', '/usr/bin/skopeo', '/usr/bin/umoci', '/usr/bin/flock', '/bin/busybox'];
/** bcrypt (cost 4, to keep the test fast) of "labpass", for the registry that wants credentials. */
const HTPASSWD = 'labuser:$2b$04$mjWyKLVyU/p0R5En9lHLpec6ZwbVCfjPvtDmm1mE7bVyGlomQGCCm';

interface Registry {
  port: number;
  stop(): Promise<void>;
}

let work: string;
let layout: string;
let storage: string;
let registry: Registry;
const registries: Registry[] = [];
const silent = pino({ level: 'silent' });

function sh(file: string, args: string[]): string {
  return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts registry:2 on a free loopback port serving `storageDir`; `htpasswd` turns on basic auth. */
async function startRegistry(storageDir: string, htpasswd?: string): Promise<Registry> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(work, 'registry-'));
  const auth = htpasswd ? `auth:\n  htpasswd: { realm: test, path: ${path.join(dir, 'htpasswd')} }\n` : '';
  if (htpasswd) fs.writeFileSync(path.join(dir, 'htpasswd'), `${htpasswd}\n`);
  fs.writeFileSync(
    path.join(dir, 'config.yml'),
    `version: 0.1\nlog: { level: error }\nstorage:\n  filesystem: { rootdirectory: ${storageDir} }\n  delete: { enabled: true }\nhttp: { addr: 127.0.0.1:${port} }\n${auth}`,
  );
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(`registry on port ${port}`, () =>
    fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.status === 200 || r.status === 401,
      () => false,
    ),
  );
  const reg = {
    port,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  registries.push(reg);
  return reg;
}

function config(port: number, extra: Partial<RegistryConfig> = {}): RegistryConfig {
  return { rewrites: [{ from: 'docker.io/test/', to: `127.0.0.1:${port}/test/` }], insecure: [`127.0.0.1:${port}`], authFile: null, ...extra };
}

/** A logger whose messages the test can count (pulls, unpacks). */
function recordingLog(): { log: pino.Logger; messages: string[] } {
  const messages: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      messages.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), messages };
}

function newStore(cfg: RegistryConfig, log: pino.Logger = silent, dataDir = fs.mkdtempSync(path.join(work, 'data-'))) {
  return { store: new ImageStore({ dataDir, registry: cfg, uidBase: UID_BASE, log }), dataDir };
}


function leftovers(dataDir: string): string[] {
  const images = path.join(dataDir, 'images');
  const tmp = fs.existsSync(path.join(images, 'tmp')) ? fs.readdirSync(path.join(images, 'tmp')) : [];
  const store = fs.existsSync(path.join(images, 'oci')) ? fs.readdirSync(path.join(images, 'oci')).filter((e) => e.startsWith('oci-put-')) : [];
  return [...tmp, ...store];
}

function indexDigests(layoutDir: string): string[] {
  const index = JSON.parse(fs.readFileSync(path.join(layoutDir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  return index.manifests.map((m) => m.digest);
}

/** Builds the tiny image in an OCI layout with umoci: busybox and two files, then one of them deleted. */
function buildTinyImage(dir: string): void {
  sh('umoci', ['init', '--layout', dir]);
  sh('umoci', ['new', '--image', `${dir}:tiny`]);
  const first = path.join(work, 'bundle-1');
  sh('umoci', ['unpack', '--image', `${dir}:tiny`, first]);
  fs.mkdirSync(path.join(first, 'rootfs/bin'));
  fs.mkdirSync(path.join(first, 'rootfs/etc'));
  fs.copyFileSync('/bin/busybox', path.join(first, 'rootfs/bin/busybox'));
  fs.chmodSync(path.join(first, 'rootfs/bin/busybox'), 0o755);
  fs.writeFileSync(path.join(first, 'rootfs/etc/gone'), 'deleted in the second layer\n');
  fs.writeFileSync(path.join(first, 'rootfs/etc/kept'), 'still here\n');
  sh('umoci', ['repack', '--image', `${dir}:tiny`, first]);
  const second = path.join(work, 'bundle-2');
  sh('umoci', ['unpack', '--image', `${dir}:tiny`, second]);
  fs.rmSync(path.join(second, 'rootfs/etc/gone'));
  sh('umoci', ['repack', '--image', `${dir}:tiny`, second]);
  sh('umoci', [
    'config', '--image', `${dir}:tiny`, '--config.entrypoint', '/bin/busybox', '--config.cmd', 'sh', '--config.cmd', '-c', '--config.cmd', 'echo hi',
    '--config.env', 'GREETING=hello world', '--config.env', 'PATH=/bin', '--config.workingdir', '/work', '--config.user', '1000:1000',
  ]);
  sh('umoci', ['tag', '--image', `${dir}:tiny`, 'tiny-other']);
  sh('umoci', ['config', '--image', `${dir}:tiny-other`, '--config.cmd', 'true']);
}

function push(tag: string, to: string, port: number): void {
  sh('skopeo', ['--policy', path.join(work, 'policy.json'), 'copy', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://127.0.0.1:${port}/${to}`]);
}

beforeAll(async () => {
  const missing = TOOLS.filter((t) => !fs.existsSync(t));
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: install the Debian packages docker-registry, skopeo, umoci, util-linux, busybox-static`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-images-'));
  fs.writeFileSync(path.join(work, 'policy.json'), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  layout = path.join(work, 'layout');
  buildTinyImage(layout);
  storage = path.join(work, 'storage');
  registry = await startRegistry(storage);
  push('tiny', 'test/tiny:1', registry.port);
  push('tiny-other', 'test/tiny:other', registry.port);
});

afterAll(async () => {
  await Promise.all(registries.map((r) => r.stop()));
  if (work) removeDataDir(work);
});

describe('ImageStore (real registry, skopeo, umoci)', () => {
  it('prepares an image through a rewrite rule: busybox owned by uidBase, the deleted file gone, the process as configured', async () => {
    const { store } = newStore(config(registry.port));
    const progress: PullProgress[] = [];
    const image = await store.prepare('test/tiny:1', (p) => progress.push(p));

    expect(image.reference).toBe('test/tiny:1');
    expect(image.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(image.rootfs).toMatch(new RegExp(`/images/rootfs/${image.digest.slice(7)}/rootfs$`));
    const busybox = fs.statSync(path.join(image.rootfs, 'bin/busybox'));
    expect(busybox.isFile()).toBe(true);
    expect([busybox.uid, busybox.gid]).toEqual([UID_BASE, UID_BASE]);
    expect(fs.existsSync(path.join(image.rootfs, 'etc/gone'))).toBe(false);
    expect(fs.readFileSync(path.join(image.rootfs, 'etc/kept'), 'utf8')).toBe('still here\n');
    expect(image.process).toEqual({
      entrypoint: ['/bin/busybox'],
      cmd: ['sh', '-c', 'echo hi'],
      env: { GREETING: 'hello world', PATH: '/bin' },
      workingDir: '/work',
      user: '1000:1000',
    });
    const pulled = progress.find((p) => p.message.endsWith('pulled (2/2 layers)'));
    expect(pulled).toMatchObject({ layersDone: 2, layersTotal: 2 });
    expect(pulled?.bytes).toBeGreaterThan(fs.statSync('/bin/busybox').size / 4);
    expect(progress.at(-1)?.message).toBe('test/tiny:1: unpacked');
  });

  it('prepares an image already in the store again without the registry', async () => {
    const own = await startRegistry(storage);
    const { store, dataDir } = newStore(config(own.port));
    const first = await store.prepare('test/tiny:1');
    await own.stop();
    const again = await store.prepare('test/tiny:1');
    expect(again).toEqual(first);
    const { store: restarted } = newStore(config(own.port), silent, dataDir);
    expect(await restarted.prepare('test/tiny:1')).toEqual(first);
  });

  it('pulls and unpacks once when one reference is prepared concurrently, in one process and from a second store on the same data', async () => {
    const a = recordingLog();
    const b = recordingLog();
    const { store, dataDir } = newStore(config(registry.port), a.log);
    const { store: other } = newStore(config(registry.port), b.log, dataDir);
    const results = await Promise.all([store.prepare('test/tiny:1'), store.prepare('test/tiny:1'), store.prepare('docker.io/test/tiny:1'), other.prepare('test/tiny:1')]);
    expect(new Set(results.map((r) => r.rootfs)).size).toBe(1);
    expect([...a.messages, ...b.messages].filter((m) => m === 'image pulled')).toHaveLength(1);
    expect(a.messages.filter((m) => m === 'image unpacked')).toHaveLength(1);
    expect(fs.readdirSync(path.join(dataDir, 'images/rootfs'))).toEqual([results[0].digest.slice(7)]);
    expect(leftovers(dataDir)).toEqual([]);
  });

  it('says the image or tag does not exist, naming the image', async () => {
    const { store, dataDir } = newStore(config(registry.port));
    const e = await caught(store.prepare('test/tiny:nope'));
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
    expect(e.message).toBe(`image "test/tiny:nope": the image or tag does not exist in 127.0.0.1:${registry.port}`);
    expect(JSON.stringify(e.detail)).toContain('manifest unknown');
    expect(leftovers(dataDir)).toEqual([]);
  });

  it('says a registry that is down cannot be reached', async () => {
    const port = await freePort();
    const { store } = newStore(config(port));
    const e = await caught(store.prepare('test/tiny:1'));
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
    expect(e.message).toBe(`image "test/tiny:1": the registry 127.0.0.1:${port} cannot be reached`);
  });

  it('refuses plain http to a registry that is not listed as insecure', async () => {
    const { store } = newStore(config(registry.port, { insecure: [] }));
    const e = await caught(store.prepare('test/tiny:1'));
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
    expect(e.message).toBe(`image "test/tiny:1": 127.0.0.1:${registry.port} speaks plain http, and it is not listed as an insecure registry`);
  });

  it('says credentials when the registry refuses, and pulls with the configured credentials file', async () => {
    const guarded = await startRegistry(storage, HTPASSWD);
    const e = await caught(newStore(config(guarded.port)).store.prepare('test/tiny:1'));
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
    expect(e.message).toBe(`image "test/tiny:1": 127.0.0.1:${guarded.port} refused access: check the registry credentials (or whether the image exists)`);
    const authFile = path.join(work, 'auth.json');
    fs.writeFileSync(authFile, JSON.stringify({ auths: { [`127.0.0.1:${guarded.port}`]: { auth: Buffer.from('labuser:labpass').toString('base64') } } }));
    const image = await newStore(config(guarded.port, { authFile })).store.prepare('test/tiny:1');
    expect(fs.existsSync(path.join(image.rootfs, 'bin/busybox'))).toBe(true);
  });

  it('refuses a layer the registry serves with the wrong content, leaving nothing half-written', async () => {
    const copy = path.join(work, 'storage-corrupt');
    fs.cpSync(storage, copy, { recursive: true });
    const { digest } = await newStore(config(registry.port)).store.prepare('test/tiny:1');
    const manifest = JSON.parse(fs.readFileSync(path.join(layout, 'blobs/sha256', digest.slice(7)), 'utf8')) as { layers: { digest: string }[] };
    const hex = manifest.layers[1].digest.slice(7);
    const data = path.join(copy, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    const bytes = fs.readFileSync(data);
    bytes[bytes.length - 10] ^= 0xff;
    fs.writeFileSync(data, bytes);
    const bad = await startRegistry(copy);
    const { store, dataDir } = newStore(config(bad.port));
    const e = await caught(store.prepare('test/tiny:1'));
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
    expect(e.message).toBe('image "test/tiny:1": a downloaded layer does not match its digest (corrupt download or tampered registry content)');
    expect(leftovers(dataDir)).toEqual([]);
    expect(fs.readdirSync(path.join(dataDir, 'images/rootfs'))).toEqual([]);
  });

  it('refuses a corrupted blob in the store, removes it, and pulls it again next time', async () => {
    const { store, dataDir } = newStore(config(registry.port));
    const { digest } = await store.prepare('test/tiny:1');
    const storeDir = path.join(dataDir, 'images/oci');
    const manifest = JSON.parse(fs.readFileSync(path.join(storeDir, 'blobs/sha256', digest.slice(7)), 'utf8')) as { layers: { digest: string }[] };
    const layer = path.join(storeDir, 'blobs/sha256', manifest.layers[0].digest.slice(7));
    const bytes = fs.readFileSync(layer);
    bytes[1000] ^= 0xff;
    fs.writeFileSync(layer, bytes);
    fs.rmSync(path.join(dataDir, 'images/rootfs', digest.slice(7)), { recursive: true });

    const e = await caught(store.prepare('test/tiny:1'));
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
    expect(e.message).toBe(`image "test/tiny:1": stored blob ${manifest.layers[0].digest} does not match its digest (corrupt); it was removed and is pulled again next time`);
    expect(fs.existsSync(layer)).toBe(false);
    const healed = await store.prepare('test/tiny:1');
    expect(healed.digest).toBe(digest);
    expect(fs.statSync(path.join(healed.rootfs, 'bin/busybox')).size).toBe(fs.statSync('/bin/busybox').size);
  });

  it('uses the local image layout by the reference as the lab writes it, with no registry at all', async () => {
    const { store, dataDir } = newStore({ rewrites: [], insecure: [], authFile: null });
    const local = path.join(dataDir, 'images/local');
    fs.mkdirSync(path.dirname(local));
    sh('skopeo', ['--policy', path.join(work, 'policy.json'), 'copy', `oci:${layout}:tiny`, `oci:${local}:autolabs/netlab:latest`]);
    const image = await store.prepare('autolabs/netlab:latest');
    expect(indexDigests(local)).toEqual([image.digest]);
    expect(fs.existsSync(path.join(image.rootfs, 'bin/busybox'))).toBe(true);
    expect(fs.existsSync(path.join(image.rootfs, 'etc/gone'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'images/oci'))).toBe(false);
  });

  it('resolves a multi-platform local image to this host through the store, still without a registry', async () => {
    const { store, dataDir } = newStore({ rewrites: [], insecure: [], authFile: null });
    const local = path.join(dataDir, 'images/local');
    fs.mkdirSync(path.dirname(local));
    sh('skopeo', ['--policy', path.join(work, 'policy.json'), 'copy', `oci:${layout}:tiny`, `oci:${local}:single`]);
    const [manifest] = (JSON.parse(fs.readFileSync(path.join(local, 'index.json'), 'utf8')) as { manifests: { mediaType: string; digest: string; size: number }[] }).manifests;
    const platforms = [{ ...manifest, annotations: undefined, platform: { architecture: goArch(process.arch), os: 'linux' } }];
    const list = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: platforms });
    const listDigest = createHash('sha256').update(list).digest('hex');
    fs.writeFileSync(path.join(local, 'blobs/sha256', listDigest), list);
    const entry = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${listDigest}`, size: list.length, annotations: { 'org.opencontainers.image.ref.name': 'autolabs/multi:1' } };
    fs.writeFileSync(path.join(local, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [entry] }));

    const image = await store.prepare('autolabs/multi:1');
    expect(image.digest).toBe(manifest.digest);
    expect(image.process.user).toBe('1000:1000');
    expect(indexDigests(path.join(dataDir, 'images/oci'))).toEqual([manifest.digest]);
  });

  it('prune removes the root filesystem and store entry of an image not in use and keeps the one in use', async () => {
    const { store, dataDir } = newStore(config(registry.port));
    const kept = await store.prepare('test/tiny:1');
    const unused = await store.prepare('test/tiny:other');
    expect(unused.digest).not.toBe(kept.digest);
    expect(unused.process.cmd).toEqual(['true']);

    const { removed } = await store.prune(new Set([kept.digest]));
    expect(removed).toEqual([unused.digest]);
    expect(fs.readdirSync(path.join(dataDir, 'images/rootfs'))).toEqual([kept.digest.slice(7)]);
    const storeDir = path.join(dataDir, 'images/oci');
    expect(indexDigests(storeDir)).toEqual([kept.digest]);
    expect(fs.existsSync(path.join(storeDir, 'blobs/sha256', unused.digest.slice(7)))).toBe(false);
    expect(await store.prepare('test/tiny:1')).toEqual(kept);

    expect((await store.prune(new Set())).removed).toEqual([kept.digest]);
    expect(fs.readdirSync(path.join(dataDir, 'images/rootfs'))).toEqual([]);
    expect(fs.readdirSync(path.join(storeDir, 'blobs/sha256'))).toEqual([]);
  });

  it('says the disk is full when the store runs out of space, leaving nothing half-written', async () => {
    const small = fs.mkdtempSync(path.join(work, 'small-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', small]);
    const { store } = newStore(config(registry.port), silent, small);
    const e = await caught(store.prepare('test/tiny:1'));
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
    expect(e.message).toBe('image "test/tiny:1": the disk of the image store is full');
    expect(leftovers(small)).toEqual([]);
  });

  it('names the Debian package when skopeo or umoci is missing', async () => {
    const bin = fs.mkdtempSync(path.join(work, 'bin-'));
    fs.symlinkSync('/usr/bin/flock', path.join(bin, 'flock'));
    const savedPath = process.env.PATH;
    try {
      process.env.PATH = bin;
      const noSkopeo = await caught(newStore(config(registry.port)).store.prepare('test/tiny:1'));
      expect([noSkopeo.code, noSkopeo.message]).toEqual(['RUNTIME_UNAVAILABLE', 'skopeo is not installed: install the Debian package "skopeo"']);
      fs.symlinkSync('/usr/bin/skopeo', path.join(bin, 'skopeo'));
      const noUmoci = await caught(newStore(config(registry.port)).store.prepare('test/tiny:1'));
      expect([noUmoci.code, noUmoci.message]).toEqual(['RUNTIME_UNAVAILABLE', 'umoci is not installed: install the Debian package "umoci"']);
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('refuses a malformed reference as bad input before any tool runs', async () => {
    const e = await caught(newStore(config(registry.port)).store.prepare('Not/Valid:tag'));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toContain('"Not/Valid:tag" is not a valid image reference');
  });
});
