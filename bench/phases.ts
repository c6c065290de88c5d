/**
 * The benchmark's phases. Each measures the direct PTY (the floor: node-pty read by this process) and
 * then every gateway variant (this tree's gateway and, with --baseline, an earlier commit's) in the
 * same run, each gateway in a child process of its own as in production.
 */
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import type { ChildOptions } from '@autolabs/gateway/testing/gateway-child';
import type { GatewayProcess } from '@autolabs/gateway/testing/gateway-process';
import { ctrlCLatencies, echoRoundTrips, percentile, throughput } from './measure';
import type { BenchResults } from './results';
import { directPty, viaGateway, viaGatewayRendering, waitForOutput, type BenchTerminal } from './terminals';

export interface BenchSizes {
  samples: number;
  throughputBytes: number;
  sessions: number;
  floodBytes: number;
  windowsKb: number[];
  ctrlCSamples: number;
  renderBytes: number;
}

/** A gateway to measure: `key` names it in the JSON (`gateway`, or `baseline.…` for the earlier commit). */
export interface GatewayVariant {
  label: string;
  /** Prefix of its JSON keys: '' for this tree, 'baseline.' for the earlier commit. */
  prefix: string;
  start(options?: ChildOptions): Promise<GatewayProcess>;
}

const MiB = 1024 * 1024;
const fmt = (n: number, digits = 2) => n.toFixed(digits);
const log = (s: string) => process.stderr.write(`${s}\n`);

async function withGateway<T>(v: GatewayVariant, run: (gw: GatewayProcess) => Promise<T>, options?: ChildOptions): Promise<T> {
  const gw = await v.start(options);
  try {
    return await run(gw);
  } finally {
    await gw.close();
  }
}

/** CPU seconds this process has used so far. */
function ownCpuSeconds(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1e6;
}

/**
 * Output pushed through a terminal before its echo is sampled: it brings this process's client code (and
 * the gateway's) to its optimised state, which otherwise the first terminal measured paid for alone (its
 * echo p50 read 0.1-0.2 ms higher than the same gateway measured second).
 */
const WARMUP_BYTES = 10e6;

/** Measured throughput runs; their median is reported. */
const THROUGHPUT_RUNS = 3;

/**
 * Throughput and CPU per 100 MB: one unmeasured run first (a gateway runs for days, its code compiled by
 * the JIT; a cold first run costs it a third more CPU), then the median of THROUGHPUT_RUNS runs.
 * `cpuSeconds` reads the CPU used so far by whoever does the work (this process, or the gateway's).
 */
async function warmThroughput(term: BenchTerminal, bytes: number, cpuSeconds: () => Promise<number> | number): Promise<{ mbps: number; cpuPer100MB: number }> {
  await throughput(term, Math.min(bytes, 20e6));
  const rates: number[] = [];
  const costs: number[] = [];
  for (let i = 0; i < THROUGHPUT_RUNS; i++) {
    const before = await cpuSeconds();
    const t = await throughput(term, bytes);
    costs.push(((await cpuSeconds()) - before) / (t.received / 1e8));
    rates.push(t.mbps);
  }
  return { mbps: percentile(rates, 50), cpuPer100MB: percentile(costs, 50) };
}

/**
 * Echo samples on `term` while `neighbour` runs `yes` and is read as fast as it comes: the echo beside a
 * flood, and the flood's own rate meanwhile (a fair share means neither starves).
 */
async function besideFlood(term: BenchTerminal, neighbour: BenchTerminal, samples: number): Promise<{ echo: number[]; neighbourMBs: number }> {
  const flooding = waitForOutput(neighbour, 'neighbour-flooding');
  neighbour.write('yes neighbour-flooding-the-machine\r');
  await flooding;
  const bytes0 = neighbour.bytes();
  const t0 = performance.now();
  const echo = await echoRoundTrips(term, samples);
  const seconds = (performance.now() - t0) / 1000;
  return { echo, neighbourMBs: (neighbour.bytes() - bytes0) / 1e6 / seconds };
}

/**
 * Ends a gateway shell (not just its socket: a detached session keeps running through its grace period).
 * `exit` is typed again until the shell goes: after Ctrl-C, bash may discard typeahead.
 */
async function endShell(term: BenchTerminal & { client: WireClient }): Promise<void> {
  term.write('\x03');
  let closed = false;
  void term.client.closed.then(() => (closed = true));
  while (!closed) {
    term.write('exit\r');
    await Promise.race([term.client.closed, new Promise((done) => setTimeout(done, 500))]);
  }
}

/** Echo idle and beside a flood, the flood's rate, and throughput with its CPU cost: direct, then each gateway. */
export async function terminalPhase(variants: GatewayVariant[], sizes: BenchSizes, r: BenchResults): Promise<void> {
  log(`echo: ${sizes.samples} samples idle and beside a flooding neighbour; throughput: ${sizes.throughputBytes / 1e6} MB`);
  const direct = directPty();
  await throughput(direct, WARMUP_BYTES);
  const idle = await echoRoundTrips(direct, sizes.samples);
  const neighbour = directPty();
  const busy = await besideFlood(direct, neighbour, sizes.samples);
  await neighbour.close();
  const tp = await warmThroughput(direct, sizes.throughputBytes, ownCpuSeconds);
  await direct.close();
  const directCols = {
    echoIdle: `${fmt(percentile(idle, 50))} / ${fmt(percentile(idle, 99))}`,
    echoFlood: `${fmt(percentile(busy.echo, 50))} / ${fmt(percentile(busy.echo, 99))}`,
    neighbour: fmt(busy.neighbourMBs, 1),
    tp: fmt(tp.mbps, 1),
    cpu: fmt(tp.cpuPer100MB, 2),
  };
  r.set('echo_ms.direct.p50', percentile(idle, 50));
  r.set('echo_ms.direct.p99', percentile(idle, 99));
  r.set('echo_flood_ms.direct.p50', percentile(busy.echo, 50));
  r.set('echo_flood_ms.direct.p99', percentile(busy.echo, 99));
  r.set('neighbour_mb_s.direct', busy.neighbourMBs);
  r.set('throughput_mb_s.direct', tp.mbps);
  r.set('cpu_s_per_100mb.direct', tp.cpuPer100MB);

  const cols: Record<string, string[]> = {};
  for (const v of variants) {
    const c = await withGateway(v, async (gw) => {
      log(`  ${v.label}: echo idle, beside a flood, throughput bare and recorded`);
      const term = await viaGateway(gw);
      await throughput(term, WARMUP_BYTES);
      const gIdle = await echoRoundTrips(term, sizes.samples);
      const gNeighbour = await viaGateway(gw);
      const gBusy = await besideFlood(term, gNeighbour, sizes.samples);
      await endShell(gNeighbour);
      const bare = await gatewayThroughput(gw, term, sizes.throughputBytes);
      await endShell(term);
      const recorded = await recordedThroughput(gw, sizes.throughputBytes);
      const p = v.prefix;
      r.set(`${p}echo_ms.gateway.p50`, percentile(gIdle, 50));
      r.set(`${p}echo_ms.gateway.p99`, percentile(gIdle, 99));
      r.set(`${p}echo_flood_ms.gateway.p50`, percentile(gBusy.echo, 50));
      r.set(`${p}echo_flood_ms.gateway.p99`, percentile(gBusy.echo, 99));
      r.set(`${p}neighbour_mb_s.gateway`, gBusy.neighbourMBs);
      r.set(`${p}throughput_mb_s.gateway`, bare.mbps);
      r.set(`${p}throughput_mb_s.gateway_recorded`, recorded.mbps);
      r.set(`${p}cpu_s_per_100mb.gateway`, bare.cpuPer100MB);
      r.set(`${p}cpu_s_per_100mb.gateway_recorded`, recorded.cpuPer100MB);
      return [
        `${fmt(percentile(gIdle, 50))} / ${fmt(percentile(gIdle, 99))}`,
        `${fmt(percentile(gBusy.echo, 50))} / ${fmt(percentile(gBusy.echo, 99))}`,
        fmt(gBusy.neighbourMBs, 1),
        `${fmt(bare.mbps, 1)} (recorded + viewer: ${fmt(recorded.mbps, 1)})`,
        `${fmt(bare.cpuPer100MB, 2)} (recorded + viewer: ${fmt(recorded.cpuPer100MB, 2)})`,
      ];
    });
    cols[v.label] = c;
  }
  const at = (i: number) => variants.map((v) => cols[v.label][i]);
  r.row(['echo p50 / p99, idle (ms)', directCols.echoIdle, ...at(0)]);
  r.row(['echo p50 / p99, beside a yes flood (ms)', directCols.echoFlood, ...at(1)]);
  r.row(['the yes neighbour meanwhile (MB/s)', directCols.neighbour, ...at(2)]);
  r.row(['output throughput (MB/s)', directCols.tp, ...at(3)]);
  r.row(['CPU per 100 MB: reader (direct), gateway process (s)', directCols.cpu, ...at(4)]);
}

function gatewayThroughput(gw: GatewayProcess, term: BenchTerminal, bytes: number): Promise<{ mbps: number; cpuPer100MB: number }> {
  return warmThroughput(term, bytes, async () => (await gw.stats()).cpuMs / 1000);
}

/** Throughput of a recorded session while a teacher's viewer (acking as it goes) shadows it. */
async function recordedThroughput(gw: GatewayProcess, bytes: number): Promise<{ mbps: number; cpuPer100MB: number }> {
  const term = await viaGateway(gw, { recording: true });
  const sid = term.client.control('welcome')!.sessionId;
  const viewer = await WireClient.connect({ url: gw.url, ticket: await gw.viewerTicket(sid), origin: gw.origin, keepText: false });
  const result = await gatewayThroughput(gw, term, bytes);
  if (viewer.seqErrors.length > 0) throw new Error(`viewer saw seq errors: ${viewer.seqErrors.slice(0, 3).join('; ')}`);
  await viewer.close();
  await endShell(term);
  return result;
}

/** Gateway RSS at rest, then per idle attached session (each at a prompt, its client connected). */
export async function sessionsPhase(variants: GatewayVariant[], sizes: BenchSizes, r: BenchResults): Promise<void> {
  log(`memory: ${sizes.sessions} idle attached sessions`);
  const cols: string[][] = [];
  for (const v of variants) {
    cols.push(
      await withGateway(v, async (gw) => {
        const before = await gw.stats();
        const clients: WireClient[] = [];
        for (let i = 0; i < sizes.sessions; i += 25) {
          const batch = await Promise.all(
            Array.from({ length: Math.min(25, sizes.sessions - i) }, async (_, j) => {
              const c = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket({ sub: `student-${i + j}` }), origin: gw.origin, keepText: false });
              await c.waitFor('prompt', () => c.tail.includes('$ '), 60_000);
              return c;
            }),
          );
          clients.push(...batch);
        }
        await new Promise((done) => setTimeout(done, 1000));
        const after = await gw.stats();
        const perSessionKiB = (after.rss - before.rss) / sizes.sessions / 1024;
        r.set(`${v.prefix}idle_rss_mib`, before.rss / MiB);
        r.set(`${v.prefix}kib_per_idle_session`, perSessionKiB);
        await Promise.all(
          clients.map(async (c) => {
            c.type('exit\r');
            await c.closed;
          }),
        );
        return [fmt(before.rss / MiB, 0), `${fmt(perSessionKiB, 0)} (${fmt(after.rss / MiB, 0)} MiB in all)`];
      }),
    );
  }
  r.row(['gateway RSS at rest, no session (MiB)', '-', ...cols.map((c) => c[0])]);
  r.row([`gateway RSS per idle attached session, at ${sizes.sessions} (KiB)`, '-', ...cols.map((c) => c[1])]);
}

/** RSS growth while the owner reads a flood as fast as it can and a viewer's socket is stalled. */
export async function floodPhase(variants: GatewayVariant[], sizes: BenchSizes, r: BenchResults): Promise<void> {
  log(`flood: ${sizes.floodBytes / 1e6} MB to an owner that reads and a viewer whose socket is stalled`);
  const cols: string[] = [];
  for (const v of variants) {
    cols.push(
      await withGateway(v, async (gw) => {
        const before = await gw.stats();
        const owner = await viaGateway(gw);
        const sid = owner.client.control('welcome')!.sessionId;
        const viewer = await WireClient.connect({ url: gw.url, ticket: await gw.viewerTicket(sid), origin: gw.origin, keepText: false });
        viewer.socket.pause();
        let peak = before.rss;
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            peak = Math.max(peak, (await gw.stats()).rss);
            await new Promise((done) => setTimeout(done, 250));
          }
        })();
        const done = waitForOutput(owner, 'FLOOD-DONE', 900_000);
        const t0 = performance.now();
        owner.write(`yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c ${sizes.floodBytes}; echo FLOOD-""DONE\r`);
        await done;
        const seconds = (performance.now() - t0) / 1000;
        sampling = false;
        await sampler;
        viewer.socket.terminate();
        await endShell(owner);
        r.set(`${v.prefix}flood_rss_growth_mib`, (peak - before.rss) / MiB);
        return `+${fmt((peak - before.rss) / MiB, 0)} (${fmt(owner.bytes() / 1e6 / seconds, 1)} MB/s)`;
      }),
    );
  }
  r.row([`RSS growth, ${sizes.floodBytes / 1e6} MB flood, stalled viewer (MiB)`, '-', ...cols]);
}

/**
 * Credit windows against a client that renders like the browser (headless xterm, acks on its write
 * callback): throughput, and Ctrl-C to prompt during `yes`. The adaptive window (the default) first,
 * then each fixed window of --size's list. This tree's gateway only.
 */
export async function windowsPhase(v: GatewayVariant, sizes: BenchSizes, r: BenchResults, columns: number): Promise<void> {
  log(`credit windows adaptive, ${sizes.windowsKb.join(', ')} KiB: ${sizes.renderBytes / 1e6} MB rendered, Ctrl-C during yes x${sizes.ctrlCSamples}`);
  const direct = directPty();
  const directCtrlC = await ctrlCLatencies(direct, sizes.ctrlCSamples);
  await direct.close();
  const pad = Array.from({ length: columns - 1 }, () => '');
  for (const kb of [0, ...sizes.windowsKb]) {
    const name = kb === 0 ? 'adaptive' : `${kb} KiB`;
    await withGateway(
      v,
      async (gw) => {
        const term = await viaGatewayRendering(gw);
        const t = await throughput(term, sizes.renderBytes);
        const ctrlC = await ctrlCLatencies(term, sizes.ctrlCSamples);
        await term.close();
        const key = kb === 0 ? 'adaptive' : `fixed_${kb}k`;
        r.set(`${v.prefix}rendered_mb_s.${key}`, t.mbps);
        r.set(`${v.prefix}ctrl_c_ms.${key}.p99`, percentile(ctrlC, 99));
        r.row([`rendered output throughput, window ${name} (MB/s)`, '-', fmt(t.mbps, 1), ...pad]);
        r.row([
          `Ctrl-C to prompt during yes, p50/p99, window ${name} (ms)`,
          `${fmt(percentile(directCtrlC, 50), 1)} / ${fmt(percentile(directCtrlC, 99), 1)}`,
          `${fmt(percentile(ctrlC, 50), 1)} / ${fmt(percentile(ctrlC, 99), 1)}`,
          ...pad,
        ]);
      },
      kb === 0 ? undefined : { creditWindowBytes: kb * 1024 },
    );
  }
}
