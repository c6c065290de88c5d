/**
 * The page `npm run bench:browser` drives in Chromium: the web app's own terminal (createTerminal: xterm
 * with its WebGL renderer, or DOM when WebGL is missing) fed either from memory (the browser's floor) or by
 * the web app's own transport (TerminalSocket) from a gateway, writing with xterm's callback as
 * TerminalView does, so credit goes back at the pace the page draws.
 */
import type { Terminal } from '@xterm/xterm';
import { createTerminal } from '../../web/src/terminal/view/create-terminal';
import { TerminalSocket, type TerminalStatus } from '../../web/src/terminal/transport/terminal-socket';

declare global {
  interface Window {
    /** Set by the bench runner (page.exposeFunction): a fresh owner ticket for session `sid`. */
    benchTicket(sid: string): Promise<string>;
    bench: typeof bench;
  }
}

const LINE = '0123456789abcdefghijklmnopqrstuvwxyz\r\n';
const host = document.getElementById('terminal')!;
const built = createTerminal(host, { readOnly: false });
const term: Terminal = built.term;
built.fit.fit();

function write(data: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => term.write(data, resolve));
}

let socket: TerminalSocket | null = null;
/** Output bytes handed to xterm and not yet written by it, and the most seen during a sample. */
let pending = 0;
let maxPending = 0;
let seen = '';
const waiters: { marker: string; resolve: () => void }[] = [];

function onText(text: string): void {
  seen = (seen + text).slice(-4096);
  for (const w of [...waiters]) {
    if (seen.includes(w.marker)) {
      waiters.splice(waiters.indexOf(w), 1);
      seen = '';
      w.resolve();
    }
  }
}

function waitFor(marker: string): Promise<void> {
  return new Promise((resolve) => waiters.push({ marker, resolve }));
}

const decoder = new TextDecoder();

/** Resolved when the line at the cursor is `prompt` and nothing follows it: what the user sees come back. */
let promptWaiter: { prompt: string; resolve: () => void } | null = null;

function promptCheck(): void {
  if (!promptWaiter) return;
  const buffer = term.buffer.active;
  const line = buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(true) ?? '';
  if (line.trimEnd() === promptWaiter.prompt.trimEnd() && buffer.cursorX === promptWaiter.prompt.length) {
    const w = promptWaiter;
    promptWaiter = null;
    w.resolve();
  }
}

function waitForPrompt(prompt: string): Promise<void> {
  return new Promise((resolve) => (promptWaiter = { prompt, resolve }));
}

const bench = {
  renderer: () => built.renderer(),

  /** Milliseconds for xterm to take `bytes` of `yes`-like lines written from memory in 64 KiB writes. */
  async floor(bytes: number): Promise<number> {
    const chunk = LINE.repeat(Math.ceil(65536 / LINE.length));
    const t0 = performance.now();
    let left = bytes;
    while (left > 0) {
      const part = chunk.slice(0, Math.min(left, chunk.length));
      left -= part.length;
      // Like the socket's frames: many writes in flight, xterm's own write buffer paces them.
      if (left <= 0) await write(part);
      else term.write(part);
    }
    return performance.now() - t0;
  },

  /** Opens the terminal through the gateway at `url` (session `sid`), and waits until it is live. */
  async connect(url: string, sid: string): Promise<void> {
    let live: () => void;
    const isLive = new Promise<void>((r) => (live = r));
    socket = new TerminalSocket(
      {
        output: (payload, done) => {
          onText(decoder.decode(payload, { stream: true }));
          pending += payload.byteLength;
          maxPending = Math.max(maxPending, pending);
          term.write(payload, () => {
            pending -= payload.byteLength;
            promptCheck();
            done();
          });
        },
        snapshot: (payload, done) => {
          term.reset();
          term.write(payload, () => {
            promptCheck();
            done();
          });
        },
        status: (s: TerminalStatus) => {
          if (s.state === 'live') live();
        },
      },
      { getTicket: async () => ({ ticket: await window.benchTicket(sid), url }), size: { cols: term.cols, rows: term.rows } },
    );
    await isLive;
    const ready = waitFor('bench-ready');
    socket.sendInput(new TextEncoder().encode("echo bench-''ready\r"));
    await ready;
  },

  /** The most output bytes xterm held unwritten since the last call (is the page or the stream the limit?). */
  maxPending(): number {
    const m = maxPending;
    maxPending = 0;
    return m;
  },

  /** Milliseconds until `bytes` of `yes` output went through the gateway and xterm drew them. */
  async throughput(bytes: number): Promise<number> {
    const done = waitFor('TP-DONE');
    const t0 = performance.now();
    socket!.sendInput(new TextEncoder().encode(`yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c ${bytes}; echo TP-""DONE\r`));
    await done;
    // The marker arrived; wait until xterm wrote everything before it.
    await write('');
    return performance.now() - t0;
  },

  /** Ctrl-C during `yes` (flooding `floodMs`), milliseconds until the next prompt is drawn, `samples` times. */
  async ctrlC(samples: number, floodMs: number): Promise<number[]> {
    const prompt = 'ctrlc-prompt> ';
    const ready = waitFor(prompt);
    socket!.sendInput(new TextEncoder().encode('PS1="ctrlc-""prompt> "\r'));
    await ready;
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      socket!.sendInput(new TextEncoder().encode('yes\r'));
      await new Promise((r) => setTimeout(r, floodMs));
      // The prompt at the cursor, written by xterm, after the interrupt.
      const back = waitForPrompt(prompt);
      const t0 = performance.now();
      socket!.sendInput(new Uint8Array([3]));
      await back;
      out.push(performance.now() - t0);
    }
    return out;
  },
};

window.bench = bench;
