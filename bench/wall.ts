/**
 * `npm run bench:wall`: what the class wall costs the gateway (issue 10 point 3). A gateway in its own process
 * holds N students' terminals (default 30), each printing a line every ~0.3 s, so every screen changes
 * within each thumbnail interval (the wall's worst case short of a flood). In the same run, alternating:
 * the gateway's CPU with nobody watching (the baseline) and with one wall socket watching all N. Reported:
 * gateway CPU per second in each, the difference per watched terminal and per thumbnail sent, thumbnails
 * per second and the wall socket's bytes per second per watched terminal. A short --interval sends more
 * thumbnails, so their cost stands out of the run-to-run noise of the baseline. Options: --students N, --interval MS,
 * --seconds S (per measurement, default 15), --rounds R (default 2), --flooding K (K of the students run
 * `yes` instead), --json FILE.
 */
import { parseArgs } from 'node:util';
import { startGatewayProcess, type GatewayProcess } from '@autolabs/gateway/testing/gateway-process';
import { WallClient, wallUrlOf } from '@autolabs/gateway/testing/wall-client';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { DEFAULT_SCREEN, ScreenMirror } from '@autolabs/gateway/hub/screen-mirror';
import { screenWorkerHost } from '@autolabs/gateway/hub/screen-worker-host';
import { BenchResults } from './results';

const { values } = parseArgs({
  options: {
    students: { type: 'string', default: '30' },
    interval: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '15' },
    rounds: { type: 'string', default: '2' },
    flooding: { type: 'string', default: '0' },
    json: { type: 'string' },
  },
});
const students = Number(values.students);
const intervalMs = Number(values.interval);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const flooding = Number(values.flooding);

const log = (line: string) => console.log(line);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Gateway CPU milliseconds per second of wall-clock time while `during` runs for `seconds`. */
async function cpuPerSecond(gw: GatewayProcess, during: () => Promise<void>): Promise<number> {
  const before = await gw.stats();
  const t0 = performance.now();
  await during();
  const after = await gw.stats();
  return (after.cpuMs - before.cpuMs) / ((performance.now() - t0) / 1000);
}

/**
 * One thumbnail's own cost, without the gateway's other work around it: a screen mirror in this process
 * gets a screenful of a busy terminal, then `count` times a new line and a look at the screen (what each
 * thumbnail of a changing screen costs: parsing what changed, reading the text). CPU of this process, all
 * threads (the screen worker included), per thumbnail.
 */
async function thumbnailCost(count: number): Promise<number> {
  const mirror = new ScreenMirror({ cols: 80, rows: 24 }, DEFAULT_SCREEN);
  const encoder = new TextEncoder();
  let seq = 0;
  const line = (i: number) => encoder.encode(`student@lab:~$ echo line ${i} ${'x'.repeat(50)}\r\nline ${i}\r\n`);
  for (let i = 0; i < 48; i++) mirror.write(++seq, line(i));
  await mirror.text(160, 60);
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    mirror.write(++seq, line(i));
    await mirror.text(160, 60);
  }
  const used = process.cpuUsage(before);
  mirror.dispose();
  // The screen worker thread would keep this process alive.
  await screenWorkerHost.stop();
  return (used.user + used.system) / 1000 / count;
}

async function main(): Promise<void> {
  const gw = await startGatewayProcess({ wallIntervalMs: intervalMs });
  const clients: WireClient[] = [];
  try {
    for (let i = 0; i < students; i++) {
      const c = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket({ ownerId: `student-${i}` }), origin: gw.origin, keepText: false });
      clients.push(c);
      // A student at work: a new line every ~0.3 s (or a flood), so each screen changes every interval.
      c.type(i < flooding ? 'yes student-flood-line\r' : `i=0; while :; do i=$((i+1)); echo "student ${i} line $i $(date +%T.%N)"; sleep 0.3; done\r`);
    }
    const sids = clients.map((c) => c.control('welcome')!.sessionId);
    log(`wall bench: ${students} terminals (${flooding} flooding), thumbnails every ${intervalMs} ms, ${rounds} x ${seconds} s each way; load ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    await sleep(2000);

    const without: number[] = [];
    const withWall: number[] = [];
    let thumbs = 0;
    let bytes = 0;
    let watchedSeconds = 0;
    for (let r = 0; r < rounds; r++) {
      without.push(await cpuPerSecond(gw, () => sleep(seconds * 1000)));
      const wall = new WallClient(wallUrlOf(gw.url), await gw.wallTicket!(sids), gw.origin);
      await wall.watching();
      // Every screen shown once (the first thumbnails), then the steady state is measured.
      await waitFor('a thumbnail of every terminal', () => new Set(wall.thumbs().map((t) => t.sid)).size === students, 60_000);
      const [t0, b0] = [wall.thumbs().length, wall.bytes];
      const start = performance.now();
      withWall.push(await cpuPerSecond(gw, () => sleep(seconds * 1000)));
      watchedSeconds += (performance.now() - start) / 1000;
      thumbs += wall.thumbs().length - t0;
      bytes += wall.bytes - b0;
      wall.close();
      await wall.closed;
    }

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const base = mean(without);
    const watched = mean(withWall);
    const perThumb = (watched - base) / students;
    const thumbsPerSecondAll = thumbs / watchedSeconds;
    const cpuPerThumbnail = (watched - base) / thumbsPerSecondAll;
    const bytesPerThumb = bytes / watchedSeconds / students;
    const thumbsPerSecond = thumbs / watchedSeconds;
    const spread = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1) / xs.length);
    const each = await thumbnailCost(2000);
    const r = new BenchResults(['measurement', 'value'], log);
    r.row(['gateway CPU, nobody watching (ms/s)', `${base.toFixed(1)} (rounds: ${without.map((x) => x.toFixed(1)).join(', ')})`]);
    r.row([`gateway CPU, a wall watching ${students} (ms/s)`, `${watched.toFixed(1)} (rounds: ${withWall.map((x) => x.toFixed(1)).join(', ')})`]);
    r.row(['wall CPU per watched terminal (ms/s), with - without over N', `${perThumb.toFixed(2)} (standard error of the difference ${(Math.hypot(spread(without), spread(withWall)) / students).toFixed(2)})`]);
    r.row(['thumbnails sent (per s, all terminals)', thumbsPerSecond.toFixed(2)]);
    r.row(['gateway CPU per thumbnail sent (ms), from the difference', cpuPerThumbnail.toFixed(2)]);
    r.row(['CPU per thumbnail of a changing screen, screen mirror alone (ms)', each.toFixed(3)]);
    r.row([`so per watched terminal at one thumbnail per ${intervalMs} ms (ms/s)`, (each * (1000 / intervalMs)).toFixed(3)]);
    r.row(['wall socket bytes per thumbnail (B/s per watched terminal)', bytesPerThumb.toFixed(0)]);
    log(`\n${r.table()}`);
    r.set('wall_students', students);
    r.set('wall_interval_ms', intervalMs);
    r.set('wall_cpu_ms_per_s.without', base);
    r.set('wall_cpu_ms_per_s.with', watched);
    r.set('wall_cpu_ms_per_s_per_thumb', perThumb);
    r.set('wall_thumbs_per_s', thumbsPerSecond);
    r.set('wall_cpu_ms_per_thumbnail', cpuPerThumbnail);
    r.set('wall_mirror_cpu_ms_per_thumbnail', each);
    r.set('wall_bytes_per_s_per_thumb', bytesPerThumb);
    if (values.json) r.writeJson(values.json);
  } finally {
    for (const c of clients) await c.close();
    await gw.close();
  }
}

await main();
