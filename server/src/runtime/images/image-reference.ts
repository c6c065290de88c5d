/**
 * Image references as Docker reads them: `debian:12` is `docker.io/library/debian:12`, a reference with no
 * tag means `:latest`, and a digest pins the content (the tag beside it is then dropped, as skopeo cannot
 * pull by both). Labs name images the short way; the store, the rewrite rules and skopeo see the long way.
 */
import { AppError } from '@autolabs/common/errors/app-error';

export const DEFAULT_REGISTRY = 'docker.io';

export interface ImageReference {
  /** host[:port], `docker.io` for Docker Hub. */
  registry: string;
  /** Path below the registry, `library/debian`. */
  repository: string;
  /** Null when the reference is pinned by digest. */
  tag: string | null;
  digest: string | null;
}

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(`^${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*(?::[0-9]+)?$`);
const PATH_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^\w[\w.-]{0,127}$/;
const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-f0-9]{32,}$/;
const MAX_NAME = 255;

function malformed(reference: string, why: string): AppError {
  return new AppError('BAD_INPUT', `"${reference}" is not a valid image reference: ${why}`, { field: 'image' });
}

/** Parses a reference the way `docker pull` does. Throws AppError BAD_INPUT naming what is wrong. */
export function parseReference(reference: string): ImageReference {
  if (reference.trim() === '') throw malformed(reference, 'the reference is empty');
  let rest = reference;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) throw malformed(reference, 'the digest must look like sha256:<hex>');
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw malformed(reference, `"${tag}" is not a valid tag`);
  }
  let registry = DEFAULT_REGISTRY;
  let repository = rest;
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  if (slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase())) {
    registry = first === 'index.docker.io' ? DEFAULT_REGISTRY : first;
    repository = rest.slice(slash + 1);
    if (!DOMAIN_RE.test(registry)) throw malformed(reference, `"${registry}" is not a valid registry name`);
  }
  if (registry === DEFAULT_REGISTRY && !repository.includes('/')) repository = `library/${repository}`;
  if (!PATH_RE.test(repository)) throw malformed(reference, 'the name must be lowercase letters, digits and separators');
  if (`${registry}/${repository}`.length > MAX_NAME) throw malformed(reference, `the name is longer than ${MAX_NAME} characters`);
  return { registry, repository, tag: digest === null ? (tag ?? 'latest') : null, digest };
}

export function formatReference(ref: ImageReference): string {
  const name = `${ref.registry}/${ref.repository}`;
  return ref.digest !== null ? `${name}@${ref.digest}` : `${name}:${ref.tag}`;
}

/** `debian:12` -> `docker.io/library/debian:12`. Throws AppError BAD_INPUT for a malformed reference. */
export function normalizeReference(reference: string): string {
  return formatReference(parseReference(reference));
}
