/**
 * Picks the implementations, here or through what it calls (createDatabase in infra/database/open-database.ts,
 * stores.ts for the two stores the gateway also opens). Every backing service the environment leaves
 * unset falls back to its embedded implementation, so `npm start` with no configuration runs everything in
 * one process:
 *
 *   DATABASE_URL unset -> PGlite in <AUTOLABS_DATA_DIR>/db        (else Postgres)
 *   REDIS_URL unset    -> MemorySessionStore                      (else RedisSessionStore)
 *   AMQP_URL unset     -> MemoryJobQueue                          (else AmqpJobQueue)
 *   S3_ENDPOINT unset  -> LocalDirObjectStore in <DATA_DIR>/objects (else MinioObjectStore)
 *   LAB_RUNTIME=local  -> LocalRuntime (bubblewrap sandboxes)     (kubernetes: KubernetesRuntime in LAB_NAMESPACE)
 *
 * Business code receives `Services` and never asks which implementation it got.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Env } from '@autolabs/common/config/env';
import { createDatabase } from '../infra/database/open-database';
import { AmqpJobQueue } from '../infra/queue/amqp-job-queue';
import { MemoryJobQueue } from '../infra/queue/memory-job-queue';
import type { LabRuntime } from '../runtime/lab-runtime';
import { LocalRuntime } from '../runtime/local/local-runtime';
import { localRuntimeOptions } from '../runtime/local/local-runtime-options';
import { openObjectStore, openSessionStore } from '@autolabs/common/platform/stores';
import type { CoreServices } from './core-services';
import { loadLabSshPublicKey } from '@autolabs/common/platform/lab-ssh-key';
import { loadTicketKeys, type TicketKeys } from '@autolabs/common/platform/ticket-keys';

export interface Services extends CoreServices {
  ticketKeys: TicketKeys;
  /** Closes everything this call opened, in reverse order; a second call does nothing. */
  close(): Promise<void>;
}

export async function createServices(env: Env, log: FastifyBaseLogger): Promise<Services> {
  const opened: { name: string; close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(name: string, service: T): T => {
    opened.push({ name, close: () => service.close() });
    return service;
  };
  const closeAll = async () => {
    for (const s of opened.splice(0).reverse()) {
      await s.close().catch((e: unknown) => log.warn({ err: e, service: s.name }, 'error while closing'));
    }
  };

  try {
    // First, because it cannot fail half-way: a runtime this build lacks stops start-up before anything opens.
    const runtime = await createRuntime(env, log);
    const ticketKeys = await loadTicketKeys({ privatePem: env.TICKET_PRIVATE_KEY, publicPem: env.TICKET_PUBLIC_KEY, dataDir: env.AUTOLABS_DATA_DIR });
    const db = track('database', await createDatabase(env, log));
    const objectStore = track('object store', await openObjectStore(env));
    const queue = track('job queue', env.AMQP_URL ? await AmqpJobQueue.connect({ url: env.AMQP_URL, queuePrefix: env.AMQP_QUEUE_PREFIX, log }) : new MemoryJobQueue());
    const sessionStore = track('session store', await openSessionStore(env));

    log.info(
      {
        database: db.kind,
        objectStore: env.S3_ENDPOINT ? 's3' : 'local-dir',
        queue: env.AMQP_URL ? 'rabbitmq' : 'memory',
        sessionStore: env.REDIS_URL ? 'redis' : 'memory',
        runtime: runtime.name,
        dataDir: env.AUTOLABS_DATA_DIR,
      },
      'services ready',
    );
    let closed = false;
    return {
      env,
      db,
      objectStore,
      queue,
      sessionStore,
      runtime,
      ticketKeys,
      async close() {
        if (closed) return;
        closed = true;
        await closeAll();
      },
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

async function createRuntime(env: Env, log: FastifyBaseLogger): Promise<LabRuntime> {
  if (env.LAB_RUNTIME === 'local') {
    const labSshPublicKey = await loadLabSshPublicKey({ publicKey: env.LAB_SSH_PUBLIC_KEY, dataDir: env.AUTOLABS_DATA_DIR });
    return new LocalRuntime({ ...localRuntimeOptions(env, log), labSshPublicKey });
  }
  // Loaded only here: the Kubernetes client is heavy, and embedded installs never use it.
  const [{ loadKubeConfig }, { KubernetesRuntime }, { podSettingsFromEnv }] = await Promise.all([
    import('@autolabs/common/lab-access/kubernetes/kube-config'),
    import('../runtime/kubernetes/kubernetes-runtime'),
    import('../runtime/kubernetes/pod-settings-from-env'),
  ]);
  // KUBECONFIG when set, else the pod's service account (env.ts already refused neither outside a cluster).
  return new KubernetesRuntime({
    kubeConfig: loadKubeConfig(env.KUBECONFIG),
    namespace: env.LAB_NAMESPACE,
    storageClassName: env.LAB_STORAGE_CLASS,
    sshHost: env.LAB_SSH_HOST,
    storageImage: env.LAB_STORAGE_IMAGE,
    pod: podSettingsFromEnv(env),
    log,
    apiLimit: { qps: env.KUBE_API_QPS, burst: env.KUBE_API_BURST },
    terminalBackend: env.TERMINAL_BACKEND,
    // Never generated here: the API, workers and gateways are separate processes that must share one key pair.
    labSshPublicKey: env.LAB_SSH_PUBLIC_KEY ?? null,
  });
}
