// Preloaded (`--import`) into the compiled gateway by bench/compiled-gateway.ts: answers the benchmark's
// stats requests over the IPC channel as gateway-child.ts does for the tsx-run gateway, so the entry
// production runs is measured unchanged. Plain JavaScript: the compiled gateway runs without tsx.
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';

const inspector = new Session();
inspector.connect();

/**
 * Live memory, compacted as V8's memory reducer compacts an idle process (10-30 s after its last
 * busy spell): a plain gc() frees garbage but keeps the pages it lived on, so the figure would depend on
 * when the last collection happened to run (start-up's garbage, ~10 MiB, is still held right after
 * start). The inspector's collectGarbage is the memory-reducing collection, and returns those pages.
 */
function collect() {
  return new Promise((resolve) => inspector.post('HeapProfiler.collectGarbage', () => resolve()));
}

process.on('message', async (message) => {
  if (message?.type !== 'stats') return;
  // CPU first: the collection below is the measurement's, not the gateway's.
  const cpu = process.cpuUsage();
  await collect();
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
