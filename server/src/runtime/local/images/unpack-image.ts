/**
 * Turns a verified image in a layout into a bundle at `<rootfs>/<digest hex>/`. umoci unpacks into a private
 * temporary directory (applying whiteouts and shifting ownership to uidBase..), which then moves into place
 * with one rename: a bundle that exists is complete, and when two processes race, the loser's copy is
 * removed and the winner's is used.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isAppError } from '@autolabs/common/errors/app-error';
import { missingBlobError, storeFsError, unpackError } from './image-errors';
import { runTool, ToolFailure } from './image-tools';
import { hashBlob, imageBlobs, readManifest } from './oci-layout';
import { bundleDir, type StorePaths } from './store-paths';
import { umociUnpackArgv } from './umoci-argv';

export interface UnpackRequest {
  image: string;
  layout: string;
  name: string;
  digest: string;
}

/** Blobs of the image whose content does not match their digest. Throws AppError when one is missing. */
export async function findCorruptBlobs(req: UnpackRequest): Promise<{ digest: string; actual: string }[]> {
  let blobs: string[];
  try {
    blobs = imageBlobs(req.digest, await readManifest(req.layout, req.digest));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw missingBlobError(req.image, req.digest);
    throw e;
  }
  const corrupt: { digest: string; actual: string }[] = [];
  for (const digest of blobs) {
    let actual: string;
    try {
      actual = await hashBlob(req.layout, digest);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw missingBlobError(req.image, digest);
      throw e;
    }
    if (actual !== digest) corrupt.push({ digest, actual });
  }
  return corrupt;
}

/** Unpacks the image unless its bundle is already there; returns the bundle directory. */
export async function unpackBundle(req: UnpackRequest, ctx: { paths: StorePaths; uidBase: number; env: NodeJS.ProcessEnv }): Promise<string> {
  const final = bundleDir(ctx.paths, req.digest);
  const tmp = path.join(ctx.paths.tmp, `unpack-${path.basename(final).slice(0, 12)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await fs.mkdir(ctx.paths.rootfs, { recursive: true });
    await fs.mkdir(ctx.paths.tmp, { recursive: true });
    const argv = umociUnpackArgv({ layout: req.layout, name: req.name, bundle: tmp, uidBase: ctx.uidBase, root: process.getuid?.() === 0 });
    await runTool('umoci', argv, { env: ctx.env });
    await moveIntoPlace(tmp, final);
    return final;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    if (e instanceof ToolFailure) throw unpackError(req.image, e.stderr);
    if (isAppError(e)) throw e;
    throw storeFsError(req.image, e);
  }
}

async function moveIntoPlace(tmp: string, final: string): Promise<void> {
  try {
    await fs.rename(tmp, final);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
