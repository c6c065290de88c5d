/**
 * The gateway's options as every process derives them from the environment, so the embedded process and
 * the standalone gateway cannot drift apart.
 */
import os from 'node:os';
import type { CryptoKey } from 'jose';
import type { Env } from '@autolabs/common/config/env';
import type { ObjectStore } from '@autolabs/common/object-store/object-store';
import type { SessionStore } from '@autolabs/common/session-store/session-store';
import { loadInternalSecret } from '@autolabs/common/platform/internal-secret';
import type { GatewayPluginOptions } from './app';
import { createBackendOpener } from './backends/backend-opener';
import { httpSshLoginAuthority } from './ssh/ssh-login-client';

export async function gatewayOptionsFromEnv(
  env: Env,
  parts: {
    sessionStore: SessionStore;
    objectStore: ObjectStore;
    ticketPublicKey: CryptoKey;
    /** Where the API answers SSH logins; embedded: the process's own address. Default: API_INTERNAL_URL. */
    apiBaseUrl?: () => string;
  },
): Promise<GatewayPluginOptions> {
  const { apiBaseUrl, ...stores } = parts;
  // Loaded only for Kubernetes labs: the client costs ~100 MiB that a local-runtime gateway never uses.
  const kubeConfig =
    env.LAB_RUNTIME === 'kubernetes' ? (await import('@autolabs/common/lab-access/kubernetes/kube-config')).loadKubeConfig(env.KUBECONFIG) : undefined;
  const localDataDir = env.LAB_RUNTIME === 'local' ? env.AUTOLABS_DATA_DIR : undefined;
  const apiUrl = apiBaseUrl ?? (env.API_INTERNAL_URL ? () => env.API_INTERNAL_URL as string : undefined);
  // SSH needs the API to decide logins: a standalone gateway without API_INTERNAL_URL serves browsers only.
  const ssh =
    env.GATEWAY_SSH_PORT !== 0 && apiUrl
      ? {
          host: env.HOST,
          port: env.GATEWAY_SSH_PORT,
          hostKey: await (await import('@autolabs/common/platform/ssh-host-key')).loadSshHostKey({ privateKey: env.GATEWAY_SSH_HOST_KEY, dataDir: env.AUTOLABS_DATA_DIR }),
          authority: httpSshLoginAuthority({
            baseUrl: apiUrl,
            secret: await loadInternalSecret({ secret: env.INTERNAL_API_SECRET, dataDir: env.AUTOLABS_DATA_DIR }),
          }),
        }
      : undefined;
  // SSH keys are read with ssh2 (platform/ssh-key-pair.ts), which costs an idle gateway about 13 MiB
  // (README, "Benchmarks"): the platform key is read, or generated into the data directory, when the
  // first ssh terminal opens. One given in the environment is still checked at start, so a bad
  // LAB_SSH_PRIVATE_KEY stops the gateway as before.
  const loadLabKey = async () =>
    (await import('@autolabs/common/platform/lab-ssh-key')).loadLabSshPrivateKey({ privateKey: env.LAB_SSH_PRIVATE_KEY, dataDir: env.AUTOLABS_DATA_DIR });
  let labKey = env.LAB_SSH_PRIVATE_KEY ? Promise.resolve(await loadLabKey()) : undefined;
  const labSshPrivateKey = () => {
    labKey ??= loadLabKey().catch((e: unknown) => {
      labKey = undefined;
      throw e;
    });
    return labKey;
  };
  return {
    ...stores,
    ssh,
    gatewayId: `${os.hostname()}-${process.pid}`,
    internalUrl: env.GATEWAY_INTERNAL_URL,
    allowedOrigins: env.ALLOWED_ORIGINS ? env.ALLOWED_ORIGINS.split(',').map((o) => o.trim()) : [],
    graceSeconds: env.SESSION_GRACE_SECONDS,
    maxPendingPerClient: env.GATEWAY_MAX_PENDING_PER_CLIENT,
    wallIntervalMs: env.GATEWAY_WALL_INTERVAL_MS,
    recordingsBucket: env.S3_BUCKET_RECORDINGS,
    localDataDir,
    backends: createBackendOpener({
      // Terminals of Kubernetes labs are execs into their pods: KUBECONFIG, else the service account.
      kubeConfig,
      // Terminals of local labs: the sandbox argv the runtime recorded in its data directory.
      localDataDir,
      // Terminals over SSH (TERMINAL_BACKEND or a lab's spec.terminal.backend): the platform key labs trust.
      labSshPrivateKey,
    }),
  };
}
