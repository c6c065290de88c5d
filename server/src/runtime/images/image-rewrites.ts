/**
 * Where a lab's images come from in this installation, for both runtimes: prefix rewrites of normalized
 * references, first match wins. A lab says `autolabs/netlab`; with LAB_IMAGE_REGISTRY=10.0.0.5:5000 it runs
 * `10.0.0.5:5000/autolabs/netlab:latest`, the image `npm run images` pushed there. LAB_IMAGE_REWRITES adds
 * any other `from=to` prefix pairs after that one.
 */
import type { Env } from '@autolabs/common/config/env';
import { formatReference, normalizeReference, parseReference, type ImageReference } from './image-reference';

export interface ImageRewrite {
  /** A prefix of normalized references, e.g. `docker.io/autolabs/`. */
  from: string;
  to: string;
}

export function imageRewritesFromEnv(env: Pick<Env, 'LAB_IMAGE_REGISTRY' | 'LAB_IMAGE_REWRITES'>): ImageRewrite[] {
  const rewrites = (env.LAB_IMAGE_REWRITES ?? '')
    .split(',')
    .filter(Boolean)
    .map((rule) => {
      const [from, to] = rule.split('=');
      return { from, to };
    });
  const registry = env.LAB_IMAGE_REGISTRY;
  return registry ? [{ from: 'docker.io/autolabs/', to: `${registry}/autolabs/` }, ...rewrites] : rewrites;
}

/** The reference after the first matching rewrite, parsed again so the result is normalized too. */
export function rewriteReference(normalized: string, rewrites: ImageRewrite[]): ImageReference {
  const rule = rewrites.find((r) => normalized.startsWith(r.from));
  return parseReference(rule ? rule.to + normalized.slice(rule.from.length) : normalized);
}

/** A lab's image as this installation pulls it. Throws AppError BAD_INPUT for a malformed reference. */
export function resolveLabImage(image: string, rewrites: ImageRewrite[]): string {
  return formatReference(rewriteReference(normalizeReference(image), rewrites));
}
