/**
 * Worker process: consumes lab jobs and runs the periodic lab jobs, on the services chosen from the
 * environment. Several replicas may run side by side (every step is idempotent). On SIGTERM it stops
 * taking jobs, lets the ones in flight finish, then closes its connections; a job cut off by the deadline
 * is redelivered to another replica by the queue. With METRICS_TOKEN set it serves /healthz and /metrics on
 * WORKER_METRICS_PORT (ops/metrics-server.ts).
 */
import { listenMetrics } from './ops/metrics-server';
import { createServices } from './platform/services';
import { runProcess } from '@autolabs/common/process/run-process';
import { startWorkers } from './workers/index';
import { workerOptionsFromEnv } from './workers/worker-options-from-env';

const PROCESS = {
  name: 'autolabs-worker',
  summary: 'the worker process: takes lab jobs from the queue, drives the lab runtime, runs periodic jobs.',
  entry: 'server/src/worker.ts',
};

await runProcess(PROCESS, async (env, log) => {
  const services = await createServices(env, log);
  await services.runtime.checkAvailable();
  // Workers have no other port: this one is for Prometheus only, and only when it holds a token. Opened
  // before any job is taken, so a port already in use stops the process before it does work.
  const metrics = env.METRICS_TOKEN ? await listenMetrics({ host: env.HOST, port: env.WORKER_METRICS_PORT, token: env.METRICS_TOKEN, log }) : null;
  const workers = await startWorkers(services, { log, ...workerOptionsFromEnv(env) });
  return {
    async close() {
      await metrics?.close();
      await workers.dispose();
      await services.close();
    },
  };
});
