/**
 * `npm run bench:scale` (issue 9 point 5): one gateway process (local PTYs, each shell `sh`) grown to 100,
 * 500, 1,000 and 2,000 attached sessions. At each size: the gateway's RSS and CPU at rest, keystroke echo on
 * one more session idle, then (in a second gateway process grown the same way, so no flood touches the
 * memory figures) the same echo while 20 of the sessions flood (`yes`, their clients reading
 * and acking as fast as they can), and what those floods moved. One table, so how each figure grows with the
 * number of sessions reads across. Options: --sizes 100,500,1000,2000, --flooding 20, --samples 300,
 * --json FILE (scale.<size>.{rss_mib, kib_per_session, echo_ms.{p50,p99}, echo_flood_ms.{p50,p99}, flood_mb_s}).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { startGatewayProcess, type GatewayProcess } from '@autolabs/gateway/testing/gateway-process';
import { bashTarget } from '@autolabs/gateway/testing/test-tickets';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { echoRoundTrips, percentile } from './measure';
import { BenchResults } from './results';
import { viaGateway } from './terminals';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,500,1000,2000' },
    flooding: { type: 'string', default: '20' },
    samples: { type: 'string', default: '300' },
    json: { type: 'string' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const flooding = Number(values.flooding);
const samples = Number(values.samples);
const MiB = 1024 * 1024;
const log = (line: string) => console.log(line);

/** A plain `sh`: the smallest shell, as a class of many would be served. */
function shTarget() {
  const t = bashTarget();
  return t.kind === 'pty' ? { ...t, argv: ['/bin/sh'], env: { ...t.env, PS1: '$ ' } } : t;
}

async function openSessions(gw: GatewayProcess, from: number, to: number): Promise<WireClient[]> {
  const out: WireClient[] = [];
  for (let i = from; i < to; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, to - i) }, async (_, j) => {
        const c = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket({ sub: `scale-${i + j}`, target: shTarget() }), origin: gw.origin, keepText: false });
        await c.waitFor('prompt', () => c.tail.includes('$ '), 120_000);
        return c;
      }),
    );
    out.push(...batch);
  }
  return out;
}

interface Row {
  rssMib: number;
  kib: number;
  idle: number[];
  busy: number[];
  floodMbps: number;
}

/**
 * Grows one gateway process through `sizes`, calling `at` at each. Memory is measured in a pass of its
 * own, before any flood: a flooder's ring stays full, and the garbage of a flood takes the collector a while.
 */
async function grow(label: string, at: (gw: GatewayProcess, clients: WireClient[], size: number, rest: number) => Promise<void>): Promise<void> {
  const gw = await startGatewayProcess();
  const clients: WireClient[] = [];
  try {
    const rest = (await gw.stats()).rss;
    for (const size of sizes) {
      clients.push(...(await openSessions(gw, clients.length, size)));
      log(`  ${label}: ${size} sessions open`);
      await at(gw, clients, size, rest);
    }
  } finally {
    for (const c of clients) c.socket.terminate();
    await gw.close();
  }
}

async function main(): Promise<void> {
  log(`scale bench: sizes ${sizes.join(', ')}, ${flooding} flooding, ${samples} echoes each; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const rows = new Map<number, Row>(sizes.map((n) => [n, { rssMib: 0, kib: 0, idle: [], busy: [], floodMbps: 0 }]));
  let restMib = 0;
  await grow('memory and idle echo', async (gw, _clients, size, rest) => {
    restMib = rest / MiB;
    await new Promise((done) => setTimeout(done, 1000));
    const rss = (await gw.stats()).rss;
    const probe = await viaGateway(gw, { sub: `scale-probe-${size}` });
    const row = rows.get(size)!;
    row.rssMib = rss / MiB;
    row.kib = (rss - rest) / size / 1024;
    row.idle = await echoRoundTrips(probe, samples);
    await probe.close();
  });
  await grow(`echo while ${flooding} flood`, async (gw, clients, size) => {
    const probe = await viaGateway(gw, { sub: `scale-probe-${size}` });
    const floods = clients.slice(0, flooding);
    const before = floods.reduce((a, c) => a + c.outputBytes, 0);
    const t0 = performance.now();
    for (const c of floods) c.type('yes\r');
    await new Promise((done) => setTimeout(done, 500));
    const row = rows.get(size)!;
    row.busy = await echoRoundTrips(probe, samples);
    row.floodMbps = (floods.reduce((a, c) => a + c.outputBytes, 0) - before) / 1e6 / ((performance.now() - t0) / 1000);
    for (const c of floods) c.type('\x03');
    await Promise.all(floods.map((c) => c.waitFor('prompt after Ctrl-C', () => c.tail.endsWith('$ '), 120_000)));
    await probe.close();
  });

  const r = new BenchResults(['sessions', 'gateway RSS (MiB)', 'KiB per session', 'echo p50 / p99, idle (ms)', `echo p50 / p99, ${flooding} flooding (ms)`, 'the floods moved (MB/s)'], log);
  const ms = (xs: number[]) => `${percentile(xs, 50).toFixed(2)} / ${percentile(xs, 99).toFixed(2)}`;
  for (const [size, row] of rows) {
    r.row([String(size), row.rssMib.toFixed(0), row.kib.toFixed(0), ms(row.idle), ms(row.busy), row.floodMbps.toFixed(1)]);
    r.set(`scale.${size}.rss_mib`, row.rssMib);
    r.set(`scale.${size}.kib_per_session`, row.kib);
    r.set(`scale.${size}.echo_ms.p50`, percentile(row.idle, 50));
    r.set(`scale.${size}.echo_ms.p99`, percentile(row.idle, 99));
    r.set(`scale.${size}.echo_flood_ms.p50`, percentile(row.busy, 50));
    r.set(`scale.${size}.echo_flood_ms.p99`, percentile(row.busy, 99));
    r.set(`scale.${size}.flood_mb_s`, row.floodMbps);
  }
  log(`\ngateway at rest: ${restMib.toFixed(0)} MiB\n${r.table()}`);
  if (values.json) r.writeJson(values.json);
}

await main();
