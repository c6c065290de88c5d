/**
 * `npm run bench:browser`: the terminal in Chromium (issue 9 point 6). One page holds the web app's own
 * terminal (bench/browser/page.ts: createTerminal, TerminalSocket); in the same run, alternating, it
 * measures xterm.js drawing `yes` lines written from memory (the browser's floor) and the same bytes of
 * `yes` coming from a gateway process (local PTY) through the web app's transport, each write acknowledged
 * on xterm's callback as TerminalView does, and the same stream acknowledged on arrival without drawing
 * (what the transport alone carries); then Ctrl-C during `yes` until xterm has written the prompt at the
 * cursor. The gateway (and the shells it starts) runs on CPU 0 and Chromium on CPU 1, as issue 9 measures:
 * a browser's floor on its own core, a server on another; Chromium is held there by a cpuset where the
 * machine allows one (software WebGL pins threads of its own otherwise). The page is driven over the
 * DevTools protocol with only `Runtime` on (browser/cdp-page.ts): a driver that watches the network has
 * Chromium copy every WebSocket message to it.
 * Options: --mb N (per throughput sample, default 20), --rounds R (default 3, after one unmeasured),
 * --ctrl-c N (samples, default 20), --renderer auto|webgl|dom (default auto: the web app's own choice),
 * --no-worker (the page holds the socket, as before the socket worker), --window BYTES (a fixed credit
 * window in place of the adaptive one), --no-pin (both on all CPUs), --json FILE (keys
 * browser_mb_s.{floor,gateway,stream}, browser_ratio, browser_ctrl_c_ms.{p50,p99}).
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { startGatewayProcess } from '@autolabs/gateway/testing/gateway-process';
import { openCdpPage } from './browser/cdp-page';
import { percentile } from './measure';
import { BenchResults } from './results';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    'ctrl-c': { type: 'string', default: '20' },
    /** A fixed credit window (bytes) instead of the adaptive one, to compare. */
    window: { type: 'string' },
    renderer: { type: 'string', default: 'auto' },
    /** The page holds the WebSocket itself, as before the socket worker. */
    'no-worker': { type: 'boolean' },
    /** Leave the gateway and the browser on all CPUs instead of one each. */
    'no-pin': { type: 'boolean' },
    json: { type: 'string' },
  },
});
const bytes = Number(values.mb) * 1e6;
const rounds = Number(values.rounds);
const ctrlCSamples = Number(values['ctrl-c']);
const log = (line: string) => console.log(line);
const here = path.dirname(fileURLToPath(import.meta.url));

async function bundle(entry: string): Promise<string> {
  const out = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', write: false, minify: true, logLevel: 'error' });
  return out.outputFiles[0].text;
}

async function main(): Promise<void> {
  const script = await bundle(path.join(here, 'browser/page.ts'));
  // The web app's socket worker, where the page asks for it (new URL('./socket-worker.ts', import.meta.url)).
  const worker = await bundle(path.join(here, '../web/src/terminal/transport/socket-worker.ts'));
  const css = readFileSync(createRequire(import.meta.url).resolve('@xterm/xterm/css/xterm.css'), 'utf8');
  const html = `<!doctype html><html><head><meta charset="utf-8"><style>${css} html,body{margin:0;background:#0f1419} #terminal{width:960px;height:640px}</style></head><body><div id="terminal"></div><script type="module" src="/page.js"></script></body></html>`;
  const server = createServer((req, res) => {
    if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else if (req.url === '/socket-worker.ts') res.writeHead(200, { 'content-type': 'text/javascript' }).end(worker);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const gw = await startGatewayProcess({ allowedOrigins: [origin], creditWindowBytes: values.window ? Number(values.window) : undefined });
  // As issue 9 measures (the server on one core, the client on the other): the browser's floor is what the
  // browser does on its own core, and through the gateway the server side works on the other, as it
  // would on a server of its own.
  const pin = !values['no-pin'] && os.availableParallelism() >= 2;
  if (pin) execFileSync('taskset', ['-a', '-p', '-c', '0', String(gw.pid)], { stdio: 'ignore' });
  const page = await openCdpPage(`${origin}/?renderer=${values.renderer}${values['no-worker'] ? '&no-worker' : ''}`, { width: 1000, height: 700, cpus: pin ? '1' : undefined });
  try {
    const sid = `bench-browser-${process.pid}`;
    const tickets = await Promise.all([1, 2, 3].map(() => gw.ownerTicket({ sid })));
    await page.evaluate(`new Promise((r) => { const t = () => ('bench' in window ? r(1) : setTimeout(t, 10)); t(); })`);
    const renderer = await page.evaluate<string>('window.bench.renderer()');
    await page.evaluate(`window.bench.connect(${JSON.stringify(gw.url)}, ${JSON.stringify(tickets)})`);
    const where = pin ? `gateway and shells on CPU 0, Chromium on CPU 1 (${page.pinnedBy})` : 'not pinned';
    log(`browser bench: ${values.mb} MB per sample, ${rounds} rounds, xterm renderer ${renderer}; ${where}; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

    const mbs = (ms: number) => bytes / 1e6 / (ms / 1000);
    const floor: number[] = [];
    const viaGateway: number[] = [];
    const stream: number[] = [];
    // Unmeasured: the first megabytes through a cold page and gateway (JIT, the gateway's screen worker
    // starting) ran at a third of the rate of every round after.
    await page.evaluate<number>(`window.bench.floor(${bytes})`);
    await page.evaluate<number>(`window.bench.throughput(${bytes})`);
    for (let r = 0; r < rounds; r++) {
      floor.push(mbs(await page.evaluate<number>(`window.bench.floor(${bytes})`)));
      await page.evaluate('window.bench.maxPending()');
      viaGateway.push(mbs(await page.evaluate<number>(`window.bench.throughput(${bytes})`)));
      const held = await page.evaluate<number>('window.bench.maxPending()');
      stream.push(mbs(await page.evaluate<number>(`window.bench.drain(${bytes})`)));
      log(
        `  round ${r + 1}: floor ${floor[r].toFixed(2)} MB/s, through the gateway ${viaGateway[r].toFixed(2)} MB/s (xterm held at most ${(held / 1024).toFixed(0)} KiB unwritten), the stream undrawn ${stream[r].toFixed(2)} MB/s`,
      );
    }
    const ctrlC = await page.evaluate<number[]>(`window.bench.ctrlC(${ctrlCSamples}, 300)`);

    const median = (xs: number[]) => percentile(xs, 50);
    const r = new BenchResults(['measurement', 'value'], log);
    r.row(['xterm.js from memory, the floor (MB/s, median)', median(floor).toFixed(2)]);
    r.row(['xterm.js through the gateway (MB/s, median)', median(viaGateway).toFixed(2)]);
    r.row(['through the gateway / floor', (median(viaGateway) / median(floor)).toFixed(2)]);
    r.row(['the stream alone, acknowledged undrawn (MB/s, median)', median(stream).toFixed(2)]);
    r.row(['Ctrl-C during yes to the prompt drawn, p50 / p99 (ms)', `${percentile(ctrlC, 50).toFixed(0)} / ${percentile(ctrlC, 99).toFixed(0)}`]);
    log(`\n${r.table()}`);
    r.set('browser_mb_s.floor', median(floor));
    r.set('browser_mb_s.gateway', median(viaGateway));
    r.set('browser_mb_s.stream', median(stream));
    r.set('browser_ratio', median(viaGateway) / median(floor));
    r.set('browser_ctrl_c_ms.p50', percentile(ctrlC, 50));
    r.set('browser_ctrl_c_ms.p99', percentile(ctrlC, 99));
    if (values.json) r.writeJson(values.json);
  } finally {
    await page.close();
    await gw.close();
    server.close();
  }
}

await main();
