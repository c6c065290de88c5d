/**
 * Reading an OCI image layout (index.json, blobs/<alg>/<hex>): find an image by its ref.name annotation,
 * list the blobs it needs, check them against their digests. Layout content comes from disk that other
 * tools write, so its JSON is checked here, at the edge, before anything trusts it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';

export const REF_NAME = 'org.opencontainers.image.ref.name';
const MANIFEST_TYPES = new Set(['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']);

const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

const indexSchema = z.object({ schemaVersion: z.literal(2), manifests: z.array(descriptorSchema) }).passthrough();
export type OciIndex = z.infer<typeof indexSchema>;

const manifestSchema = z.object({ config: descriptorSchema, layers: z.array(descriptorSchema) });
export type ImageManifest = z.infer<typeof manifestSchema>;

export function isImageManifest(d: Descriptor): boolean {
  return MANIFEST_TYPES.has(d.mediaType);
}

export function blobPath(layout: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  return path.join(layout, 'blobs', alg, hex);
}

/** The layout's index, or null when there is no layout at `layout`. Throws on an index that is not valid JSON. */
export async function readIndex(layout: string): Promise<OciIndex | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(layout, 'index.json'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return indexSchema.parse(JSON.parse(text));
}

/** Replaces index.json in one rename, so a reader sees the old index or the new one. */
export async function writeIndex(layout: string, index: OciIndex): Promise<void> {
  const tmp = path.join(layout, `index.json.${process.pid}.tmp`);
  await fs.writeFile(tmp, JSON.stringify(index));
  await fs.rename(tmp, path.join(layout, 'index.json'));
}

/** The descriptor tagged `name`; the last one wins as in skopeo and umoci. */
export function findByName(index: OciIndex | null, name: string): Descriptor | undefined {
  return index?.manifests.findLast((d) => d.annotations?.[REF_NAME] === name);
}

export async function readManifest(layout: string, digest: string): Promise<ImageManifest> {
  return manifestSchema.parse(JSON.parse(await fs.readFile(blobPath(layout, digest), 'utf8')));
}

export async function readBlobJson(layout: string, digest: string): Promise<unknown> {
  return JSON.parse(await fs.readFile(blobPath(layout, digest), 'utf8'));
}

/** Every blob an image needs: its manifest, config and layers. */
export function imageBlobs(manifestDigest: string, manifest: ImageManifest): string[] {
  return [manifestDigest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
}

/** True when every blob of the image tagged by `desc` is in the layout (it may still be corrupt). */
export async function hasAllBlobs(layout: string, desc: Descriptor): Promise<boolean> {
  try {
    const manifest = await readManifest(layout, desc.digest);
    await Promise.all(imageBlobs(desc.digest, manifest).map((d) => fs.access(blobPath(layout, d))));
    return true;
  } catch {
    return false;
  }
}

/** The blob's actual digest; the caller compares it with the name it is stored under. */
export async function hashBlob(layout: string, digest: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(blobPath(layout, digest)), hash);
  return `sha256:${hash.digest('hex')}`;
}
