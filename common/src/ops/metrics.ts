/**
 * The process's Prometheus registry, served at /metrics. Other modules register their own metrics on
 * `metricsRegistry` (pass `registers: [metricsRegistry]`), so one scrape shows the whole process.
 */
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'autolabs_' });

export const httpRequestDuration = new Histogram({
  name: 'autolabs_http_request_duration_seconds',
  help: 'HTTP request duration by method, route (or tRPC procedure) and status code',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});
