/**
 * The local runtime as configured by the environment: in pod mode (LOCAL_LAB_IMAGES=images, the default,
 * root only) with an image store that reads `npm run images`' local layout first, then the configured
 * registry for autolabs/* (LAB_IMAGE_REGISTRY), then any other rewrite (LAB_IMAGE_REWRITES).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Env } from '@autolabs/common/config/env';
import { imageRewritesFromEnv } from '../images/image-rewrites';
import { ImageStore, type RegistryConfig } from './images/image-store';
import type { LocalRuntimeOptions } from './local-runtime';
import { CONTAINER_UID_BASE } from './pod/pod-namespaces';

export function registryConfigFromEnv(env: Env): RegistryConfig {
  const registry = env.LAB_IMAGE_REGISTRY;
  return {
    rewrites: imageRewritesFromEnv(env),
    insecure: registry && env.LAB_IMAGE_REGISTRY_INSECURE ? [registry] : [],
    authFile: env.LAB_IMAGE_AUTH_FILE ?? null,
  };
}

/** What a teacher reads when pod mode was asked for but AutoLabs does not run as root. */
export const POD_MODE_NEEDS_ROOT =
  'Labs run here without their images: AutoLabs does not run as root, and running every container from its image needs root ' +
  '(a user namespace of 65,536 ids per lab, the lab network, disk quotas). The terminal container gets the host\'s files instead. ' +
  'Start AutoLabs as root (sudo npm start) to run the lab as written.';

export function localRuntimeOptions(env: Env, log: FastifyBaseLogger): LocalRuntimeOptions {
  const root = process.getuid?.() === 0;
  const podMode = env.LOCAL_LAB_IMAGES === 'images' && root;
  if (env.LOCAL_LAB_IMAGES === 'images' && !root) log.warn('LOCAL_LAB_IMAGES=images needs root: labs run in host mode (the host\'s files, the terminal container only)');
  return {
    podModeRefused: env.LOCAL_LAB_IMAGES === 'images' && !root ? POD_MODE_NEEDS_ROOT : undefined,
    dataDir: env.AUTOLABS_DATA_DIR,
    log,
    images: podMode ? new ImageStore({ dataDir: env.AUTOLABS_DATA_DIR, registry: registryConfigFromEnv(env), uidBase: CONTAINER_UID_BASE, log }) : null,
    keepUnusedImagesMs: env.LOCAL_IMAGE_KEEP_UNUSED_HOURS * 3600_000,
    terminalBackend: env.TERMINAL_BACKEND,
  };
}
