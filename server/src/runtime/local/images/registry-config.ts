/**
 * Where the store pulls from: prefix rewrites (a lab says `autolabs/netlab`, this installation serves it
 * from its own registry) and the few registries it may reach without TLS verification.
 */
import { parseReference, type ImageReference } from './image-reference';

export interface RegistryConfig {
  /** Prefix rewrites applied to normalized references, first match wins, e.g. { from: 'docker.io/autolabs/', to: '127.0.0.1:5000/autolabs/' }. */
  rewrites: { from: string; to: string }[];
  /** Registries (host[:port]) reached over plain http / without TLS verification. Only these. */
  insecure: string[];
  /** containers-auth.json style credentials file (what `skopeo login` writes), or null for anonymous pulls. */
  authFile: string | null;
}

/** The reference after the first matching rewrite, parsed again so the result is normalized too. */
export function rewriteReference(normalized: string, rewrites: RegistryConfig['rewrites']): ImageReference {
  const rule = rewrites.find((r) => normalized.startsWith(r.from));
  return parseReference(rule ? rule.to + normalized.slice(rule.from.length) : normalized);
}

export function isInsecureRegistry(registry: string, config: RegistryConfig): boolean {
  return config.insecure.includes(registry);
}
