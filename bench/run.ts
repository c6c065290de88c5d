/**
 * `npm run bench`: terminal gateway numbers beside a direct PTY measured in the same run. Not a test:
 * it prints a table. The gateway runs in a child process so its RSS is its own.
 *
 * Env knobs (defaults in brackets): BENCH_SAMPLES [1000], BENCH_THROUGHPUT_MB [200], BENCH_SESSIONS [500],
 * BENCH_FLOOD_MB [1000], BENCH_WINDOWS_KB [256,128,64,32] (credit windows compared with a client that
 * renders like the browser), BENCH_CTRLC_SAMPLES [30], BENCH_RENDER_MB [100], BENCH_PHASES
 * [latency,sessions,flood,windows] (a subset, for quicker iterations).
 */
import os from 'node:os';
import { startGatewayProcess, type GatewayProcess } from '@autolabs/gateway/testing/gateway-process';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { ctrlCLatencies, echoRoundTrips, percentile, throughput } from './measure';
import { directPty, viaGateway, viaGatewayRendering, waitForOutput, type BenchTerminal } from './terminals';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 1000);
const THROUGHPUT_BYTES = Number(process.env.BENCH_THROUGHPUT_MB ?? 200) * 1e6;
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 500);
const FLOOD_BYTES = Number(process.env.BENCH_FLOOD_MB ?? 1000) * 1e6;
const WINDOWS_KB = (process.env.BENCH_WINDOWS_KB ?? '256,128,64,32').split(',').map(Number);
const CTRLC_SAMPLES = Number(process.env.BENCH_CTRLC_SAMPLES ?? 30);
const RENDER_BYTES = Number(process.env.BENCH_RENDER_MB ?? 100) * 1e6;
const PHASES = new Set((process.env.BENCH_PHASES ?? 'latency,sessions,flood,windows').split(','));
const MiB = 1024 * 1024;

const rows: [string, string, string][] = [];
const fmt = (n: number, digits = 2) => n.toFixed(digits);
const log = (s: string) => process.stderr.write(`${s}\n`);
/** Rows are also logged as they are measured, so a slow later phase does not hide earlier numbers. */
const addRow = (row: [string, string, string]) => {
  rows.push(row);
  log(`  ${row.join(' | ')}`);
};

/** Starts `yes` in a terminal and keeps reading it: the flooding neighbour. */
function flood(term: BenchTerminal): void {
  term.write('yes neighbour-flooding-the-machine\r');
}

async function echoRows(gw: GatewayProcess): Promise<void> {
  log(`echo round trips: ${SAMPLES} samples each, idle and beside a flooding session`);
  const direct = directPty();
  const idleDirect = await echoRoundTrips(direct, SAMPLES);
  const gwTerm = await viaGateway(gw);
  const idleGw = await echoRoundTrips(gwTerm, SAMPLES);

  const directNeighbour = directPty();
  flood(directNeighbour);
  const busyDirect = await echoRoundTrips(direct, SAMPLES);
  await directNeighbour.close();

  const gwNeighbour = await viaGateway(gw);
  flood(gwNeighbour);
  await new Promise((r) => setTimeout(r, 500));
  const busyGw = await echoRoundTrips(gwTerm, SAMPLES);
  const neighbourMB = gwNeighbour.bytes() / 1e6;
  // End the shell, not just the socket: a detached session keeps its `yes` running through its grace
  // period, and would flood the gateway during every later measurement.
  gwNeighbour.write('\x03');
  gwNeighbour.write('exit\r');
  await gwNeighbour.client.closed;

  addRow(['echo round trip p50, idle (ms)', fmt(percentile(idleDirect, 50)), fmt(percentile(idleGw, 50))]);
  addRow(['echo round trip p99, idle (ms)', fmt(percentile(idleDirect, 99)), fmt(percentile(idleGw, 99))]);
  addRow(['echo round trip p50, flooding neighbour (ms)', fmt(percentile(busyDirect, 50)), fmt(percentile(busyGw, 50))]);
  addRow(['echo round trip p99, flooding neighbour (ms)', fmt(percentile(busyDirect, 99)), fmt(percentile(busyGw, 99))]);
  log(`  neighbour session pushed ${fmt(neighbourMB, 0)} MB through the gateway meanwhile`);
  await direct.close();
  await gwTerm.close();
}

async function throughputRow(gw: GatewayProcess): Promise<void> {
  log(`throughput: ${THROUGHPUT_BYTES / 1e6} MB of output`);
  const direct = directPty();
  const d = await throughput(direct, THROUGHPUT_BYTES);
  await direct.close();
  const term = await viaGateway(gw);
  const busyBefore = (await gw.stats()).mainBusyMs;
  const g = await throughput(term, THROUGHPUT_BYTES);
  const busyMs = (await gw.stats()).mainBusyMs - busyBefore;
  await term.close();
  addRow(['output throughput (MB/s)', fmt(d.mbps, 1), fmt(g.mbps, 1)]);
  // Independent of how loaded the machine is: what each MB costs the thread that moves all bytes.
  addRow(['gateway main thread busy per MB of output (ms)', '-', fmt(busyMs / (g.received / 1e6), 1)]);
}

async function idleSessionsRow(gw: GatewayProcess): Promise<void> {
  log(`memory: ${SESSIONS} idle attached sessions`);
  const before = await gw.stats();
  const clients: WireClient[] = [];
  for (let i = 0; i < SESSIONS; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, SESSIONS - i) }, async (_, j) => {
        const c = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket({ sub: `student-${i + j}` }), origin: gw.origin, keepText: false });
        await c.waitFor('prompt', () => c.tail.includes('$ '), 30_000);
        return c;
      }),
    );
    clients.push(...batch);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const after = await gw.stats();
  const perSession = (after.rss - before.rss) / SESSIONS;
  addRow([`gateway memory per idle attached session, at ${SESSIONS} (KiB RSS)`, '-', fmt(perSession / 1024, 0)]);
  addRow([`gateway RSS with ${SESSIONS} idle sessions (MiB)`, '-', `${fmt(after.rss / MiB, 0)} (from ${fmt(before.rss / MiB, 0)})`]);
  // End the shells (not just the sockets: a closed socket leaves the session in its grace period).
  await Promise.all(
    clients.map(async (c) => {
      c.type('exit\r');
      await c.closed;
    }),
  );
}

async function floodRow(gw: GatewayProcess): Promise<void> {
  log(`flood: ${FLOOD_BYTES / 1e6} MB to an owner that reads and a viewer whose socket is stalled`);
  const before = await gw.stats();
  const owner = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket(), origin: gw.origin, keepText: false });
  const sid = owner.control('welcome')!.sessionId;
  const viewer = await WireClient.connect({ url: gw.url, ticket: await gw.viewerTicket(sid), origin: gw.origin, keepText: false });
  viewer.socket.pause();
  const term: BenchTerminal = {
    write: (d) => owner.type(d),
    onData: (h) => {
      owner.onOutput = (p) => h(Buffer.from(p).toString('latin1'));
      return () => (owner.onOutput = null);
    },
    bytes: () => owner.outputBytes,
    close: async () => undefined,
  };
  let peak = before.rss;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await gw.stats()).rss);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const done = waitForOutput(term, 'FLOOD-DONE', 900_000);
  const t0 = performance.now();
  owner.type(`yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c ${FLOOD_BYTES}; echo FLOOD-""DONE\r`);
  await done;
  const seconds = (performance.now() - t0) / 1000;
  sampling = false;
  await sampler;
  addRow([
    `peak gateway RSS, ${FLOOD_BYTES / 1e6} MB flood with a stalled viewer (MiB)`,
    '-',
    `${fmt(peak / MiB, 0)} (from ${fmt(before.rss / MiB, 0)}; ${fmt(owner.outputBytes / 1e6 / seconds, 1)} MB/s)`,
  ]);
  viewer.socket.terminate();
  await owner.close();
}

/**
 * The credit window against a client that renders like the browser (headless xterm, ack on its write
 * callback): throughput, and Ctrl-C to prompt during `yes`. The direct PTY column has no terminal
 * emulator and no window: it is the floor set by the kernel and the shell.
 */
async function windowRows(): Promise<void> {
  log(`credit windows ${WINDOWS_KB.join(', ')} KiB: ${RENDER_BYTES / 1e6} MB rendered, Ctrl-C during yes x${CTRLC_SAMPLES}`);
  const direct = directPty();
  const directCtrlC = await ctrlCLatencies(direct, CTRLC_SAMPLES);
  await direct.close();
  for (const kb of WINDOWS_KB) {
    const gw = await startGatewayProcess({ creditWindowBytes: kb * 1024 });
    try {
      const term = await viaGatewayRendering(gw);
      const t = await throughput(term, RENDER_BYTES);
      const ctrlC = await ctrlCLatencies(term, CTRLC_SAMPLES);
      await term.close();
      addRow([`rendered output throughput, window ${kb} KiB (MB/s)`, '-', fmt(t.mbps, 1)]);
      addRow([
        `Ctrl-C to prompt during yes, p50/p99, window ${kb} KiB (ms)`,
        `${fmt(percentile(directCtrlC, 50), 1)} / ${fmt(percentile(directCtrlC, 99), 1)}`,
        `${fmt(percentile(ctrlC, 50), 1)} / ${fmt(percentile(ctrlC, 99), 1)}`,
      ]);
    } finally {
      await gw.close();
    }
  }
}

const started = performance.now();
log(`AutoLabs gateway bench on ${os.cpus().length} CPUs, Node ${process.version}, load average ${os.loadavg()[0].toFixed(1)}`);
/** Each memory figure gets a fresh gateway process, so one phase's heap does not inflate the next baseline. */
async function withGateway(run: (gw: GatewayProcess) => Promise<void>): Promise<void> {
  const gw = await startGatewayProcess();
  try {
    await run(gw);
  } finally {
    await gw.close();
  }
}

if (PHASES.has('latency')) {
  await withGateway(async (gw) => {
    await echoRows(gw);
    await throughputRow(gw);
  });
}
if (PHASES.has('sessions')) await withGateway(idleSessionsRow);
if (PHASES.has('flood')) await withGateway(floodRow);
if (PHASES.has('windows')) await windowRows();

const header: [string, string, string] = ['measurement', 'direct PTY', 'through gateway'];
const widths = [0, 1, 2].map((i) => Math.max(...[header, ...rows].map((r) => r[i].length)));
const line = (r: [string, string, string]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
process.stdout.write(`${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}\n`);
log(`bench took ${fmt((performance.now() - started) / 1000, 0)} s; load average now ${os.loadavg()[0].toFixed(1)}`);
process.exit(0);
