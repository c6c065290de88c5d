// Preloaded (`--import`) into the compiled gateway by bench/compiled-gateway.ts: answers the benchmark's
// stats requests over the IPC channel as gateway-child.ts does for the tsx-run gateway, so the entry
// production runs is measured unchanged. Plain JavaScript: the compiled gateway runs without tsx.
import { performance } from 'node:perf_hooks';

process.on('message', (message) => {
  if (message?.type !== 'stats') return;
  // CPU first: the collection below is the measurement's, not the gateway's.
  const cpu = process.cpuUsage();
  // Live memory, not garbage the collector has not got round to (the gateway runs with --expose-gc).
  globalThis.gc?.();
  const m = process.memoryUsage();
  process.send?.({
    type: 'stats',
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    // The production entry keeps its session store to itself.
    sessions: -1,
    mainBusyMs: performance.eventLoopUtilization().active,
    cpuMs: (cpu.user + cpu.system) / 1000,
  });
});
// The benchmark is gone: stop as the gateway stops on SIGTERM.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
