/**
 * What the gateway tells /metrics: live terminal sessions and the clients attached to them (read from the
 * hubs when scraped), how long an attach takes (ticket verified to welcome sent, opening the shell included
 * for a new session), and the bytes of terminal output and input through the gateway.
 *
 * Bytes are on the hot path of every terminal, so the session adds each batch to a plain number here and
 * the counter takes the sum when scraped: no label lookup, hashing or allocation per batch.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Disposable } from '@autolabs/common/disposable';
import { metricsRegistry } from '@autolabs/common/ops/metrics';

const registers = [metricsRegistry];

/** Bytes not yet handed to the counter; LiveSession adds to these. */
export const terminalTraffic = { outputBytes: 0, inputBytes: 0 };

new Counter({
  name: 'autolabs_gateway_bytes_total',
  help: 'Terminal bytes through the gateway: output (from shells, once per session whatever the viewers) and input (keystrokes to shells)',
  labelNames: ['direction'] as const,
  registers,
  collect() {
    this.inc({ direction: 'output' }, terminalTraffic.outputBytes);
    this.inc({ direction: 'input' }, terminalTraffic.inputBytes);
    terminalTraffic.outputBytes = 0;
    terminalTraffic.inputBytes = 0;
  },
});

export interface HubCounts {
  sessions: number;
  owners: number;
  viewers: number;
}

const hubs = new Set<() => HubCounts>();

/** Reports a hub's sessions and clients at each scrape until disposed (a process may hold several hubs in tests). */
export function reportHub(counts: () => HubCounts): Disposable {
  hubs.add(counts);
  return { dispose: () => void hubs.delete(counts) };
}

function sum(): HubCounts {
  const total = { sessions: 0, owners: 0, viewers: 0 };
  for (const counts of hubs) {
    const c = counts();
    total.sessions += c.sessions;
    total.owners += c.owners;
    total.viewers += c.viewers;
  }
  return total;
}

new Gauge({
  name: 'autolabs_gateway_sessions',
  help: 'Live terminal sessions held by this gateway (detached ones in their grace period included)',
  registers,
  collect() {
    this.set(sum().sessions);
  },
});

new Gauge({
  name: 'autolabs_gateway_clients',
  help: 'Connections attached to terminal sessions, by role: owner (the student, browser or SSH) or viewer (shadowing)',
  labelNames: ['role'] as const,
  registers,
  collect() {
    const total = sum();
    this.set({ role: 'owner' }, total.owners);
    this.set({ role: 'viewer' }, total.viewers);
  },
});

const attachDuration = new Histogram({
  name: 'autolabs_gateway_attach_duration_seconds',
  help: 'From a verified ticket to the client attached (a new session includes opening its shell), by mode',
  labelNames: ['mode'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});
const attachTimers = { owner: attachDuration.labels({ mode: 'owner' }), viewer: attachDuration.labels({ mode: 'viewer' }) };

/** Call when an attach begins; call the result when it succeeded. */
export function timeAttach(mode: 'owner' | 'viewer'): () => void {
  const start = performance.now();
  return () => attachTimers[mode].observe((performance.now() - start) / 1000);
}
