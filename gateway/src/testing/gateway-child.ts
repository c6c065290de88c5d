/**
 * Entry point of a gateway in its own process (spawned by gateway-process.ts), so its memory can be
 * measured apart from the clients driving it. Talks to its parent over the IPC channel only.
 */
import { performance } from 'node:perf_hooks';
import { exportJWK } from 'jose';
import { startGateway } from './gateway-fixture';

/** Options for the child's gateway, passed as its one JSON argument. */
export interface ChildOptions {
  creditWindowBytes?: number;
  /** How often class wall thumbnails are taken (GatewayPluginOptions.wallIntervalMs). */
  wallIntervalMs?: number;
  /** Origins allowed besides the fixture's (a page served by the benchmark). */
  allowedOrigins?: string[];
}
export type ChildRequest = { type: 'stats' } | { type: 'close' };
export interface ChildStats {
  type: 'stats';
  rss: number;
  heapUsed: number;
  /** The main thread's V8 heap as committed (used + free pages it keeps). */
  heapTotal: number;
  external: number;
  sessions: number;
  /** Milliseconds the main thread's event loop has been busy since start (CPU the hot path spent). */
  mainBusyMs: number;
  /** CPU milliseconds (user + system) of the whole process since start, worker threads included. */
  cpuMs: number;
}
export interface ChildReady {
  type: 'ready';
  url: string;
  origin: string;
  privateKey: JsonWebKey;
}

if (!process.send) throw new Error('gateway-child must be started with an IPC channel');
const send = (message: ChildReady | ChildStats) => process.send?.(message);

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const gw = await startGateway({ creditWindowBytes: options.creditWindowBytes, wallIntervalMs: options.wallIntervalMs, allowedOrigins: options.allowedOrigins });
send({ type: 'ready', url: gw.url, origin: gw.origin, privateKey: await exportJWK(gw.privateKey) });

process.on('message', (message: ChildRequest) => {
  if (message.type === 'stats') {
    // CPU first: the collection below is the measurement's, not the gateway's.
    const cpu = process.cpuUsage();
    // Measure live memory, not garbage the collector has not got round to (the child runs --expose-gc).
    globalThis.gc?.();
    const m = process.memoryUsage();
    gw.sessionStore
      .list()
      .then((sessions) => sessions.length)
      // A stats request racing the close still gets an answer (without a session count).
      .catch(() => -1)
      .then((sessions) => {
        send({
          type: 'stats',
          rss: m.rss,
          heapUsed: m.heapUsed,
          heapTotal: m.heapTotal,
          external: m.external,
          sessions,
          mainBusyMs: performance.eventLoopUtilization().active,
          cpuMs: (cpu.user + cpu.system) / 1000,
        });
      });
  } else if (message.type === 'close') {
    void gw.close().then(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
