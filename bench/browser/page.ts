/**
 * The page `npm run bench:browser` drives in Chromium: the web app's own terminal (createTerminal: xterm
 * with the renderer the app would pick here, or the one in `?renderer=`) fed either from memory (the
 * browser's floor) or by the web app's own transport (TerminalSocket) from a gateway, writing with xterm's
 * callback as TerminalView does, so credit goes back at the pace the page draws; or, to tell the stream's
 * limit from the drawing's, through the gateway acknowledged on arrival without drawing.
 */
import type { Terminal } from '@xterm/xterm';
import { createTerminal } from '../../web/src/terminal/view/create-terminal';
import type { RendererPreference } from '../../web/src/terminal/view/renderer-choice';
import { TerminalSocket, type TerminalStatus } from '../../web/src/terminal/transport/terminal-socket';
import { newSocketWorker, workerSocketFactory } from '../../web/src/terminal/transport/worker-socket';

declare global {
  interface Window {
    bench: typeof bench;
  }
}

const LINE = '0123456789abcdefghijklmnopqrstuvwxyz\r\n';
const host = document.getElementById('terminal')!;
const asked = new URLSearchParams(location.search).get('renderer');
const built = createTerminal(host, { readOnly: false, renderer: (asked ?? 'auto') as RendererPreference });
const term: Terminal = built.term;
built.fit.fit();

function write(data: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => term.write(data, resolve));
}

let socket: TerminalSocket | null = null;
/** Acknowledge output on arrival without writing it (bench.drain). */
let drainOnly = false;
/** Output bytes handed to xterm and not yet written by it, and the most seen during a sample. */
let pending = 0;
let maxPending = 0;
let seen = '';
const waiters: { marker: string; resolve: () => void }[] = [];

/**
 * Looks for the waiters' markers at a frame's ends (a marker is echoed after the flood, so it ends a frame
 * or spans two): decoding only those costs the page next to nothing per byte, as the floor pays nothing.
 */
function onOutput(payload: Uint8Array): void {
  if (payload.byteLength <= 2 * END_BYTES) return onText(decoder.decode(payload));
  onText(decoder.decode(payload.subarray(0, END_BYTES)));
  onText(decoder.decode(payload.subarray(payload.byteLength - END_BYTES)));
}

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
/** Longer than any marker waited for and the prompt after it. */
const END_BYTES = 1024;

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

  renderer: () => `${built.renderer()} (${built.rendererWhy()})`,

  /**
   * Opens the terminal through the gateway at `url` with the first of `tickets` (one more per reconnect),
   * and waits until it is live.
   */
  async connect(url: string, tickets: string[]): Promise<void> {
    let live: () => void;
    const isLive = new Promise<void>((r) => (live = r));
    socket = new TerminalSocket(
      {
        output: (payload, done) => {
          onOutput(payload);
          if (drainOnly) return done();
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
      {
        getTicket: async () => {
          const ticket = tickets.shift();
          if (!ticket) throw new Error('out of tickets');
          return { ticket, url };
        },
        size: { cols: term.cols, rows: term.rows },
        // As the web app does (connect-terminal.ts), unless asked for the page's own socket.
        ...(new URLSearchParams(location.search).has('no-worker') ? {} : { createSocket: workerSocketFactory(newSocketWorker) }),
      },
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

  /** Milliseconds until `bytes` of `yes` output went through the gateway into the page, acknowledged undrawn. */
  async drain(bytes: number): Promise<number> {
    drainOnly = true;
    try {
      return await bench.throughput(bytes);
    } finally {
      drainOnly = false;
    }
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
