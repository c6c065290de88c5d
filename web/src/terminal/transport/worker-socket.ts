/**
 * A WebSocket held in a dedicated worker (socket-worker.ts), behind the WebSocketLike the transport uses.
 * Why: Chromium hands a page a WebSocket's messages through a pipe of about 128 KiB that only the page's
 * main thread empties, between xterm's parsing and drawing; a flood then reaches the page a pipe at a time
 * (measured: xterm never held more than ~260 KiB, and the stream ran at 40% of what xterm can draw). In a
 * worker the socket is read as fast as it arrives, and the page finds everything that came in queued
 * when it next looks. Where workers are unavailable the transport uses a plain WebSocket.
 */
import type { WebSocketLike } from './terminal-socket';
import type { FromWorker, ToWorker } from './socket-worker';

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

export class WorkerSocket implements WebSocketLike {
  binaryType = 'arraybuffer';
  readyState = CONNECTING;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  constructor(
    private readonly worker: Worker,
    url: string,
  ) {
    worker.onmessage = (e: MessageEvent<FromWorker>) => this.onWorker(e.data);
    worker.onerror = () => this.closed(1006, 'socket worker failed');
    this.post({ op: 'open', url });
  }

  send(data: string | Uint8Array): void {
    if (this.readyState !== OPEN) return;
    if (typeof data === 'string') return this.post({ op: 'send', data });
    const copy = data.slice().buffer;
    this.post({ op: 'send', data: copy }, [copy]);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= CLOSING) return;
    this.readyState = CLOSING;
    this.post({ op: 'close', code, reason });
  }

  private post(message: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private onWorker(m: FromWorker): void {
    if (m.ev === 'open') {
      if (this.readyState !== CONNECTING) return;
      this.readyState = OPEN;
      this.onopen?.({});
    } else if (m.ev === 'message') {
      if (this.readyState === OPEN) this.onmessage?.({ data: m.data });
    } else {
      this.closed(m.code, m.reason);
    }
  }

  private closed(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.worker.terminate();
    this.onclose?.({ code, reason });
  }
}

/** A socket factory for TerminalSocket: in a worker where the browser has them, else a plain WebSocket. */
export function workerSocketFactory(newWorker: () => Worker): (url: string) => WebSocketLike {
  return (url) => {
    if (typeof Worker !== 'undefined') {
      try {
        return new WorkerSocket(newWorker(), url);
      } catch {
        // Refused (a policy, a browser without module workers): the page holds the socket itself.
      }
    }
    return new WebSocket(url) as unknown as WebSocketLike;
  };
}

export const newSocketWorker = (): Worker => new Worker(new URL('./socket-worker.ts', import.meta.url), { type: 'module', name: 'terminal-socket' });
