/**
 * The worker process's only HTTP listener: /healthz and /metrics (metrics-route.ts), on
 * WORKER_METRICS_PORT. Workers take jobs from the queue and need no other port; this one exists so
 * Prometheus can scrape what they measure, and it is opened only when METRICS_TOKEN is set.
 */
import fastify from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import { AccessLog } from '@autolabs/common/ops/access-log';
import { httpTimeoutOptions } from '@autolabs/common/ops/http-timeouts';
import { registerMetricsRoute } from '@autolabs/common/ops/metrics-route';
import { NOTHING_POLICY, addSecurityHeaders } from '@autolabs/common/ops/security-headers';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

export async function listenMetrics(opts: { host: string; port: number; token: string; log: FastifyBaseLogger }): Promise<MetricsServer> {
  const app = fastify({ loggerInstance: opts.log, logController: new AccessLog(), ...httpTimeoutOptions });
  addSecurityHeaders(app, NOTHING_POLICY);
  app.get('/healthz', async () => ({ status: 'ok' }));
  registerMetricsRoute(app, opts.token);
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () => app.close(),
  };
}
