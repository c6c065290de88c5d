/**
 * Where the image store keeps things under `<dataDir>/images`. Everything lives on one filesystem so an
 * unpacked bundle moves into place with one rename.
 */
import path from 'node:path';

export interface StorePaths {
  /** OCI layout filled by `npm run images`, looked up by the reference as the lab writes it. Never written here. */
  local: string;
  /** The one content-addressed OCI layout every pull goes into (layers shared by all images). */
  store: string;
  /** `<manifest digest hex>/` bundles: `rootfs/` and umoci's `config.json`. */
  rootfs: string;
  /** Work in progress (unpacks, removals); anything here is garbage once no pull or unpack runs. */
  tmp: string;
  policyFile: string;
  /** Shared by pulls and unpacks, exclusive for prune. */
  gcLock: string;
  /** Exclusive for whoever writes the store's index.json (skopeo). */
  writeLock: string;
}

export function storePaths(dataDir: string): StorePaths {
  const root = path.join(dataDir, 'images');
  return {
    local: path.join(root, 'local'),
    store: path.join(root, 'oci'),
    rootfs: path.join(root, 'rootfs'),
    tmp: path.join(root, 'tmp'),
    policyFile: path.join(root, 'policy.json'),
    gcLock: path.join(root, 'gc.lock'),
    writeLock: path.join(root, 'write.lock'),
  };
}

export function bundleDir(paths: StorePaths, digest: string): string {
  return path.join(paths.rootfs, digest.slice(digest.indexOf(':') + 1));
}
