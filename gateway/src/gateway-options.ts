/**
 * The gateway's options as every process derives them from the environment, so the embedded process and
 * the standalone gateway cannot drift apart.
 */
import os from 'node:os';
import type { CryptoKey } from 'jose';
import type { Env } from '@autolabs/server/config/env';
import type { ObjectStore } from '@autolabs/server/infra/object-store/object-store';
import type { SessionStore } from '@autolabs/server/infra/session-store/session-store';
import type { GatewayPluginOptions } from './app';

export async function gatewayOptionsFromEnv(
  env: Env,
  parts: { sessionStore: SessionStore; objectStore: ObjectStore; ticketPublicKey: CryptoKey },
): Promise<GatewayPluginOptions> {
  // Loaded only for Kubernetes labs: the client costs ~100 MiB that a local-runtime gateway never uses.
  const kubeConfig =
    env.LAB_RUNTIME === 'kubernetes' ? (await import('@autolabs/server/runtime/kubernetes/kube-client')).loadKubeConfig(env.KUBECONFIG) : undefined;
  return {
    ...parts,
    gatewayId: `${os.hostname()}-${process.pid}`,
    internalUrl: env.GATEWAY_INTERNAL_URL,
    allowedOrigins: env.ALLOWED_ORIGINS ? env.ALLOWED_ORIGINS.split(',').map((o) => o.trim()) : [],
    graceSeconds: env.SESSION_GRACE_SECONDS,
    maxPendingPerClient: env.GATEWAY_MAX_PENDING_PER_CLIENT,
    recordingsBucket: env.S3_BUCKET_RECORDINGS,
    // Terminals of Kubernetes labs are execs into their pods: KUBECONFIG, else the service account.
    kubeConfig,
    // Terminals of local labs: the sandbox argv the runtime recorded in its data directory.
    localDataDir: env.LAB_RUNTIME === 'local' ? env.AUTOLABS_DATA_DIR : undefined,
  };
}
