/**
 * What went wrong with an image, said to the user in one sentence that names the image, with the tool's own
 * output kept for the log. skopeo and umoci report failures as text on stderr, so the cause is read from it.
 */
import { AppError } from '@autolabs/common/errors/app-error';

const DISK_FULL = /no space left on device|ENOSPC|disk quota exceeded/i;
const CORRUPT = /digest did not match|digest mismatch|invalid tar header|gzip: invalid|invalid checksum|unexpected EOF|size mismatch/i;

const PULL_CAUSES: { test: RegExp; say: (registry: string) => string }[] = [
  { test: DISK_FULL, say: () => 'the disk of the image store is full' },
  { test: CORRUPT, say: () => 'a downloaded layer does not match its digest (corrupt download or tampered registry content)' },
  // Before the status codes: skopeo's message names the registry, whose port may contain "404" or "401".
  { test: /server gave HTTP response to HTTPS client/i, say: (r) => `${r} speaks plain http, and it is not listed as an insecure registry` },
  { test: /manifest unknown|name unknown|not found|\b404\b/i, say: (r) => `the image or tag does not exist in ${r}` },
  { test: /unauthorized|authentication required|denied|\b401\b|\b403\b/i, say: (r) => `${r} refused access: check the registry credentials (or whether the image exists)` },
  { test: /x509|certificate|tls: /i, say: (r) => `the TLS certificate of ${r} is not trusted` },
  { test: /no image found in (image index|manifest list) for architecture/i, say: () => 'it is not built for the architecture of this machine' },
  { test: /connection refused|no such host|i\/o timeout|network is unreachable|connection reset|timeout|EOF/i, say: (r) => `the registry ${r} cannot be reached` },
];

function runtimeError(image: string, why: string, detail: unknown): AppError {
  return new AppError('RUNTIME_UNAVAILABLE', `image "${image}": ${why}`, { detail });
}

/** A failed `skopeo copy` of `image` (as the lab wrote it) from `registry`. */
export function pullError(image: string, registry: string, stderr: string): AppError {
  const cause = PULL_CAUSES.find((c) => c.test.test(stderr));
  return runtimeError(image, cause ? cause.say(registry) : `pulling from ${registry} failed`, { tool: 'skopeo', stderr });
}

/** A failed `umoci unpack`. */
export function unpackError(image: string, stderr: string): AppError {
  if (DISK_FULL.test(stderr)) return runtimeError(image, 'the disk of the image store is full', { tool: 'umoci', stderr });
  if (CORRUPT.test(stderr)) return runtimeError(image, 'a stored layer is corrupt', { tool: 'umoci', stderr });
  return runtimeError(image, 'unpacking the image failed', { tool: 'umoci', stderr });
}

export function corruptBlobError(image: string, digest: string, actual: string, removed: boolean): AppError {
  const next = removed ? '; it was removed and is pulled again next time' : '';
  return runtimeError(image, `stored blob ${digest} does not match its digest (corrupt)${next}`, { digest, actual });
}

export function missingBlobError(image: string, digest: string): AppError {
  return runtimeError(image, `blob ${digest} is missing from the image layout`, { digest });
}

/** Our own file operations and unreadable layout content: a full disk is said as such, the rest goes to the log. */
export function storeFsError(image: string | null, e: unknown): AppError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOSPC' || code === 'EDQUOT' ? 'the disk of the image store is full' : 'the image store failed (the server log has the cause)';
  return image === null ? new AppError('RUNTIME_UNAVAILABLE', why, { detail: { error: (e as Error).message } }) : runtimeError(image, why, { error: (e as Error).message });
}

export function missingToolError(tool: string, pkg: string): AppError {
  return new AppError('RUNTIME_UNAVAILABLE', `${tool} is not installed: install the Debian package "${pkg}"`, { detail: { tool } });
}

/** `image` null: the prune itself waited. */
export function lockTimeoutError(image: string | null, seconds: number): AppError {
  const why = `another pull or prune of the image store did not finish within ${seconds}s`;
  return image === null ? new AppError('RUNTIME_UNAVAILABLE', why, { detail: { seconds } }) : runtimeError(image, why, { seconds });
}
