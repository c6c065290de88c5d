/**
 * Where the store pulls from: prefix rewrites (runtime/images/image-rewrites.ts) and the few registries it
 * may reach without TLS verification.
 */
import type { ImageRewrite } from '../../images/image-rewrites';

export interface RegistryConfig {
  /** Prefix rewrites applied to normalized references, first match wins. */
  rewrites: ImageRewrite[];
  /** Registries (host[:port]) reached over plain http / without TLS verification. Only these. */
  insecure: string[];
  /** containers-auth.json style credentials file (what `skopeo login` writes), or null for anonymous pulls. */
  authFile: string | null;
}

export function isInsecureRegistry(registry: string, config: RegistryConfig): boolean {
  return config.insecure.includes(registry);
}
