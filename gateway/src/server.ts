/**
 * Entry of the standalone gateway process (standalone-gateway.ts is the process itself). It exists to
 * set one V8 flag before any other module loads: loading the gateway's modules (fastify, ws, node-pty,
 * the stores' clients) allocates enough short-lived garbage that V8 grows the young generation from its
 * initial 1 MiB semi-spaces to 16 MiB ones, and an idle gateway keeps those ~26 MiB resident for good.
 * With no growth it stays at 1 MiB; the gateway's per-byte work allocates Buffers outside the V8 heap
 * and a few small objects per frame, so the scavenges it adds are cheap (README, "Benchmarks"). A flag
 * on the command line would do the same, but then every way of starting the gateway (the chart, the
 * image, a laptop) would have to carry it. Static imports all load before a module's body runs, hence
 * the dynamic import.
 */
import v8 from 'node:v8';

v8.setFlagsFromString('--semi-space-growth-factor=1');
await import('./standalone-gateway');
