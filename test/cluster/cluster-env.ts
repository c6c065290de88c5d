/**
 * Connection details of the test cluster, handed from global-setup.ts to the test files through vitest's
 * provide/inject (the forks do not share the setup's memory).
 */
import { inject } from 'vitest';

export interface ClusterEnv {
  kubeconfig: string;
  s3Endpoint: string;
  s3AccessKey: string;
  s3SecretKey: string;
  /** host:port of the real node's registry (plain HTTP), which serves `autolabs/*` images to the node. */
  labImageRegistry: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: ClusterEnv;
  }
}

const KEYS = {
  KUBECONFIG: 'kubeconfig',
  S3_ENDPOINT: 's3Endpoint',
  S3_ACCESS_KEY: 's3AccessKey',
  S3_SECRET_KEY: 's3SecretKey',
  LAB_IMAGE_REGISTRY: 'labImageRegistry',
} as const satisfies Record<string, keyof ClusterEnv>;

/** Reads the `NAME=value` lines that cluster-up.sh ends with; throws naming every missing line. */
export function parseClusterEnv(output: string): ClusterEnv {
  const found: Partial<ClusterEnv> = {};
  for (const line of output.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m && m[1] in KEYS) found[KEYS[m[1] as keyof typeof KEYS]] = m[2];
  }
  const missing = Object.entries(KEYS)
    .filter(([, key]) => !found[key])
    .map(([name]) => name);
  if (missing.length > 0) throw new Error(`cluster-up output lacks ${missing.join(', ')}`);
  return found as ClusterEnv;
}

export function clusterEnv(): ClusterEnv {
  return inject('cluster');
}
