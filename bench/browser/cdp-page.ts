/**
 * One Chromium page driven over the DevTools protocol with nothing but `Runtime` enabled. Playwright
 * enables the `Network` domain on every page it drives, and with it Chromium copies every WebSocket
 * message it receives, base64-encoded, to the driver (Network.webSocketFrameReceived): a cost a student's
 * browser never pays, paid by the renderer, by the browser process and by the driver's Node process on
 * the server's CPU. `npm run bench:browser` measures the terminal's stream, so its page is driven here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { CHROMIUM_ARGS } from '../../test/browser/chromium';
import { pinnedChromium } from '../../test/browser/cpuset';

export interface CdpPage {
  /** Evaluates `expression` in the page, awaits it when it is a promise, and returns its value (JSON). */
  evaluate<T>(expression: string): Promise<T>;
  /** How the browser is held on `cpus`: 'cpuset' (no thread can leave), 'taskset' (threads may), or none. */
  pinnedBy: 'cpuset' | 'taskset' | null;
  close(): Promise<void>;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

function devtoolsUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stderr! });
    lines.on('line', (line) => {
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(line);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`chromium exited (${code}) before DevTools listened`)));
  });
}

/** Processes still running with this profile (Chromium's helpers outlive its main process briefly). */
function profileProcesses(profile: string): number {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--user-data-dir=${profile}`)) n++;
    } catch {
      // Gone meanwhile.
    }
  }
  return n;
}

async function helpersGone(profile: string): Promise<void> {
  for (let i = 0; i < 500 && profileProcesses(profile) > 0; i++) await new Promise((r) => setTimeout(r, 20));
}

/** Opens `url` in a new headless Chromium (on `cpus` when given, taskset syntax) of `width` x `height`. */
export async function openCdpPage(url: string, opts: { width: number; height: number; cpus?: string }): Promise<CdpPage> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'autolabs-cdp-'));
  const { command, cpuset, pinnedBy } = pinnedChromium(profile, opts.cpus);
  const child = spawn(command, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', `--window-size=${opts.width},${opts.height}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const browserWs = await devtoolsUrl(child);
  const port = new URL(browserWs).port;
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { type: string; webSocketDebuggerUrl: string }[];
  const target = targets.find((t) => t.type === 'page');
  if (!target) throw new Error('chromium opened no page');
  const ws = new WebSocket(target.webSocketDebuggerUrl, { maxPayload: 256 * 1024 * 1024 });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const loaded: (() => void)[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string }; method?: string };
    if (m.method === 'Page.loadEventFired') loaded.splice(0).forEach((f) => f());
    if (m.id === undefined) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) p?.reject(new Error(m.error.message));
    else p?.resolve(m.result);
  });
  const send = (method: string, params: object = {}): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send('Page.enable');
  const load = new Promise<void>((r) => loaded.push(r));
  await send('Page.navigate', { url });
  await load;
  // Page.enable only delivered the load event; nothing is reported per message.
  await send('Page.disable');

  return {
    pinnedBy,
    async evaluate<T>(expression: string): Promise<T> {
      const r = (await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true })) as {
        result: { value?: unknown };
        exceptionDetails?: { exception?: { description?: string }; text: string };
      };
      if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
      return r.result.value as T;
    },
    async close() {
      ws.close();
      const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await helpersGone(profile);
      await cpuset?.remove();
      rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}
