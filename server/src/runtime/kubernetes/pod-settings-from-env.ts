/**
 * The lab pods' settings from the environment (already checked by config/env.ts): LAB_NODE_SELECTOR
 * `key=value[,...]`, LAB_TOLERATIONS `key[=value]:Effect[,...]` (kubectl's taint syntax: with a value the
 * toleration matches it exactly, without one any value), and the image rewrites both runtimes share.
 */
import type { V1Toleration } from '@kubernetes/client-node';
import type { Env } from '@autolabs/common/config/env';
import { imageRewritesFromEnv } from '../images/image-rewrites';
import type { PodSettings } from './manifests/pod';

type PodEnv = Pick<Env, 'LAB_NODE_SELECTOR' | 'LAB_TOLERATIONS' | 'LAB_IMAGE_REGISTRY' | 'LAB_IMAGE_REWRITES'>;

function pairs(list: string | undefined): string[] {
  return (list ?? '').split(',').filter(Boolean);
}

function toleration(rule: string): V1Toleration {
  const colon = rule.lastIndexOf(':');
  const [key, value] = rule.slice(0, colon).split('=');
  const effect = rule.slice(colon + 1);
  return value === undefined ? { key, operator: 'Exists', effect } : { key, operator: 'Equal', value, effect };
}

export function podSettingsFromEnv(env: PodEnv): PodSettings {
  return {
    imageRewrites: imageRewritesFromEnv(env),
    nodeSelector: Object.fromEntries(pairs(env.LAB_NODE_SELECTOR).map((p) => p.split('=') as [string, string])),
    tolerations: pairs(env.LAB_TOLERATIONS).map(toleration),
  };
}
