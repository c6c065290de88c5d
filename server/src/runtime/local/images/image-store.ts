/**
 * The local runtime's images: a lab names an image, the runtime gets a read-only root filesystem and the
 * process the image asks for. Images come from the local OCI layout that `npm run images` fills (no network)
 * or are pulled with skopeo into one content-addressed layout, verified, and unpacked with umoci once per
 * manifest digest, owned by the host ids the lab's user namespace maps container ids 0..65535 to.
 *
 * Concurrency: prepares of one reference in this process share one promise; across processes, pulls and
 * unpacks hold the store's gc lock shared (prune takes it exclusive), skopeo's index writes hold the write
 * lock, and a bundle appears by one rename. A tag found in the store is used without asking the registry
 * again: a moved tag is seen after a prune drops the old image.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { AppError, isAppError } from '@autolabs/common/errors/app-error';
import { formatReference, normalizeReference } from '../../images/image-reference';
import { corruptBlobError, lockTimeoutError, storeFsError } from './image-errors';
import { imageProcess, type ImageProcess } from './image-process';
import { toolEnv } from './image-tools';
import { blobPath, findByName, hasAllBlobs, isImageManifest, readBlobJson, readIndex, readManifest, type Descriptor, type OciIndex } from './oci-layout';
import { pruneStore } from './prune-store';
import { pullIntoStore, PULL_TIMEOUT_SECONDS } from './pull-image';
import type { PullProgress } from './pull-progress';
import { rewriteReference } from '../../images/image-rewrites';
import { isInsecureRegistry, type RegistryConfig } from './registry-config';
import { PULL_POLICY } from './skopeo-argv';
import { LockTimeout, withFileLock } from './store-lock';
import { bundleDir, storePaths, type StorePaths } from './store-paths';
import { findCorruptBlobs, unpackBundle, type UnpackRequest } from './unpack-image';

export type { ImageProcess, PullProgress, RegistryConfig };

export interface PreparedImage {
  /** As the lab wrote it. */
  reference: string;
  /** Digest of the manifest as stored here (skopeo stores Docker schema 2 images as OCI, which changes it). */
  digest: string;
  /** The unpacked root filesystem; never written after it appears. */
  rootfs: string;
  process: ImageProcess;
}

const LOCK_WAIT_SECONDS = PULL_TIMEOUT_SECONDS + 60;

type Listener = (p: PullProgress) => void;

export class ImageStore {
  private readonly paths: StorePaths;
  private readonly registry: RegistryConfig;
  private readonly uidBase: number;
  private readonly log: FastifyBaseLogger;
  private readonly env: NodeJS.ProcessEnv;
  private readonly pending = new Map<string, { promise: Promise<PreparedImage>; listeners: Set<Listener> }>();
  private readonly unpacking = new Map<string, Promise<string>>();
  private setup: Promise<void> | null = null;

  constructor(opts: { dataDir: string; registry: RegistryConfig; uidBase: number; log: FastifyBaseLogger }) {
    if (opts.dataDir.includes(':')) {
      throw new AppError('RUNTIME_UNAVAILABLE', `the data directory "${opts.dataDir}" must not contain ':' (skopeo and umoci read layout:tag)`);
    }
    this.paths = storePaths(path.resolve(opts.dataDir));
    this.registry = opts.registry;
    this.uidBase = opts.uidBase;
    this.log = opts.log;
    this.env = toolEnv(path.dirname(this.paths.store), this.paths.tmp);
  }

  /** Pulls if needed (or finds it in the local layout), verifies, unpacks once per manifest digest; safe to call concurrently for the same ref. */
  prepare(reference: string, onProgress?: Listener): Promise<PreparedImage> {
    let entry = this.pending.get(reference);
    if (!entry) {
      const listeners = new Set<Listener>();
      const promise = this.prepareOnce(reference, (p) => this.tell(listeners, p)).finally(() => this.pending.delete(reference));
      entry = { promise, listeners };
      this.pending.set(reference, entry);
    }
    if (onProgress) entry.listeners.add(onProgress);
    return entry.promise;
  }

  /**
   * Removes unpacked root filesystems and blobs of images not in `inUse` (manifest digests of every
   * instance that exists or is starting) and not prepared in the last `keepUnusedMs`.
   */
  async prune(inUse: Set<string>, keepUnusedMs = 0): Promise<{ removed: string[] }> {
    await this.ensureSetup(null);
    return this.locked(null, this.paths.gcLock, 'exclusive', async () => {
      const removed = await pruneStore(this.paths, inUse, Date.now() - keepUnusedMs, this.env);
      this.log.info({ removed, kept: inUse.size }, 'image store pruned');
      return { removed };
    });
  }

  private async prepareOnce(reference: string, emit: Listener): Promise<PreparedImage> {
    const normalized = normalizeReference(reference);
    try {
      await this.ensureSetup(reference);
      return await this.locked(reference, this.paths.gcLock, 'shared', async () => {
        const source = await this.resolve(reference, normalized, emit);
        const bundle = await this.unpackOnce(source, emit);
        // The bundle's mtime is the image's last use, which prune keeps for a while.
        const now = new Date();
        await fs.utimes(bundle, now, now);
        const manifest = await readManifest(source.layout, source.digest);
        const config = await readBlobJson(source.layout, manifest.config.digest);
        return { reference, digest: source.digest, rootfs: path.join(bundle, 'rootfs'), process: imageProcess(config) };
      });
    } catch (e) {
      if (isAppError(e)) throw e;
      this.log.warn({ err: e, image: reference }, 'image store failed');
      throw storeFsError(reference, e);
    }
  }

  /** The local layout's image when it has one by this name, else the store's, pulled first if missing. */
  private async resolve(reference: string, normalized: string, emit: Listener): Promise<UnpackRequest & { owned: boolean }> {
    const local = findByName(await readIndex(this.paths.local), reference);
    if (local && isImageManifest(local)) return { image: reference, layout: this.paths.local, name: reference, digest: local.digest, owned: false };
    const target = rewriteReference(normalized, this.registry.rewrites);
    const name = local ? `local/${reference}` : formatReference(target);
    const found = (index: OciIndex | null) => findByName(index, name);
    const cached = found(await readIndex(this.paths.store).catch(() => null));
    if (cached && (await hasAllBlobs(this.paths.store, cached))) return { image: reference, layout: this.paths.store, name, digest: cached.digest, owned: true };
    const desc: Descriptor = await this.locked(reference, this.paths.writeLock, 'exclusive', async () => {
      const now = found(await readIndex(this.paths.store));
      if (now && (await hasAllBlobs(this.paths.store, now))) return now;
      const source = local
        ? { kind: 'layout' as const, layout: this.paths.local, name: reference }
        : { kind: 'registry' as const, reference: name, insecure: isInsecureRegistry(target.registry, this.registry), authFile: this.registry.authFile };
      const from = local ? 'the local image layout' : target.registry;
      return pullIntoStore({ image: reference, from, source, name }, { paths: this.paths, env: this.env, log: this.log, onProgress: emit });
    });
    return { image: reference, layout: this.paths.store, name, digest: desc.digest, owned: true };
  }

  private unpackOnce(source: UnpackRequest & { owned: boolean }, emit: Listener): Promise<string> {
    let p = this.unpacking.get(source.digest);
    if (!p) {
      p = this.verifyAndUnpack(source, emit).finally(() => this.unpacking.delete(source.digest));
      this.unpacking.set(source.digest, p);
    }
    return p;
  }

  private async verifyAndUnpack(source: UnpackRequest & { owned: boolean }, emit: Listener): Promise<string> {
    const bundle = bundleDir(this.paths, source.digest);
    if (await exists(path.join(bundle, 'rootfs'))) return bundle;
    const manifest = await readManifest(source.layout, source.digest).catch(() => null);
    const layers = manifest?.layers ?? [];
    const counts = { layersDone: layers.length, layersTotal: layers.length, bytes: layers.reduce((a, l) => a + l.size, 0) };
    emit({ ...counts, message: `${source.image}: verifying and unpacking` });
    const corrupt = await findCorruptBlobs(source);
    if (corrupt.length > 0) {
      if (source.owned) {
        await this.locked(source.image, this.paths.writeLock, 'exclusive', () => Promise.all(corrupt.map((c) => fs.rm(blobPath(this.paths.store, c.digest), { force: true }))));
      }
      this.log.warn({ image: source.image, corrupt, layout: source.layout }, 'image blob does not match its digest');
      throw corruptBlobError(source.image, corrupt[0].digest, corrupt[0].actual, source.owned);
    }
    const started = Date.now();
    const done = await unpackBundle(source, { paths: this.paths, uidBase: this.uidBase, env: this.env });
    this.log.info({ image: source.image, digest: source.digest, ms: Date.now() - started }, 'image unpacked');
    emit({ ...counts, message: `${source.image}: unpacked` });
    return done;
  }

  private async locked<T>(image: string | null, lockFile: string, mode: 'shared' | 'exclusive', fn: () => Promise<T>): Promise<T> {
    try {
      return await withFileLock(lockFile, mode, LOCK_WAIT_SECONDS, fn);
    } catch (e) {
      throw e instanceof LockTimeout ? lockTimeoutError(image, LOCK_WAIT_SECONDS) : e;
    }
  }

  private ensureSetup(image: string | null): Promise<void> {
    this.setup ??= (async () => {
      await fs.mkdir(this.paths.rootfs, { recursive: true });
      await fs.mkdir(this.paths.tmp, { recursive: true });
      await fs.writeFile(this.paths.policyFile, PULL_POLICY);
    })().catch((e: unknown) => {
      this.setup = null;
      throw storeFsError(image, e);
    });
    return this.setup;
  }

  private tell(listeners: Set<Listener>, p: PullProgress): void {
    for (const listener of listeners) {
      try {
        listener(p);
      } catch (e) {
        this.log.warn({ err: e }, 'image pull progress listener threw');
      }
    }
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
