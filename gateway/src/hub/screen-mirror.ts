/**
 * A headless xterm fed with the session's output, so a late joiner or a client that fell too far behind
 * gets the *current screen* (colours, cursor, alternate screen of a full-screen program) rather than a
 * replay of raw bytes that may start in the middle of an escape sequence.
 *
 * The terminal lives in the screen worker (screen-worker.ts): parsing is the costliest per-byte work in
 * the gateway and must not sit between the PTY and the sockets. Writes are batched per event-loop turn
 * into one copied buffer that is transferred, not cloned. `snapshot` is posted after every write before
 * it and the worker answers once it has parsed them, with the seq of the last frame included, so the
 * caller can continue from exactly there (no gap, no duplicate).
 */
import type { TerminalSize } from '../backends/terminal-backend';
import type { FromScreenWorker } from './screen-messages';
import { screenWorkerHost, type ScreenWorkerHost } from './screen-worker-host';

export interface ScreenSnapshot {
  /** Seq of the last output frame included. */
  seq: number;
  data: string;
  cols: number;
  rows: number;
}

export interface ScreenMirrorOptions {
  scrollback: number;
  /** Lines of scrollback included in a snapshot (above the visible screen). */
  snapshotScrollback: number;
  /** Unparsed bytes at which `onBacklog(true)` fires; `onBacklog(false)` fires when half drained. */
  maxBacklogBytes: number;
}

export const DEFAULT_SCREEN: ScreenMirrorOptions = { scrollback: 1000, snapshotScrollback: 200, maxBacklogBytes: 1024 * 1024 };

interface PendingSnapshot {
  resolve: (snap: ScreenSnapshot) => void;
  reject: (error: Error) => void;
}

export class ScreenMirror {
  private readonly id: number;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private pendingSeq = 0;
  private flushScheduled = false;
  private backlog = 0;
  private behind = false;
  private failure: Error | null = null;
  private nextRequest = 1;
  private readonly snapshots = new Map<number, PendingSnapshot>();

  constructor(
    size: TerminalSize,
    private readonly opts: ScreenMirrorOptions,
    private readonly onBacklog: (behind: boolean) => void = () => undefined,
    private readonly host: ScreenWorkerHost = screenWorkerHost,
  ) {
    this.id = host.register({ onMessage: (m) => this.received(m), onLost: (e) => this.lost(e) });
    host.post({ type: 'open', id: this.id, cols: size.cols, rows: size.rows, scrollback: opts.scrollback });
  }

  /** Bytes written but not yet parsed by the worker. */
  get backlogBytes(): number {
    return this.backlog;
  }

  /** `data` is copied at the end of this event-loop turn, not before: the caller must not modify it. */
  write(seq: number, data: Uint8Array): void {
    if (this.failure) return;
    this.pending.push(data);
    this.pendingBytes += data.byteLength;
    this.pendingSeq = seq;
    this.backlog += data.byteLength;
    if (!this.behind && this.backlog > this.opts.maxBacklogBytes) {
      this.behind = true;
      this.onBacklog(true);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Applied in order with the output written before it. */
  resize(size: TerminalSize): void {
    if (this.failure) return;
    this.flush();
    this.host.post({ type: 'resize', id: this.id, cols: size.cols, rows: size.rows });
  }

  snapshot(): Promise<ScreenSnapshot> {
    if (this.failure) return Promise.reject(this.failure);
    this.flush();
    const request = this.nextRequest++;
    return new Promise((resolve, reject) => {
      this.snapshots.set(request, { resolve, reject });
      this.host.post({ type: 'snapshot', id: this.id, request, scrollback: this.opts.snapshotScrollback });
    });
  }

  dispose(): void {
    if (this.failure) return;
    this.host.post({ type: 'dispose', id: this.id });
    this.host.unregister(this.id);
    this.lost(new Error('screen mirror disposed'));
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pendingBytes === 0 || this.failure) return;
    const data = new Uint8Array(this.pendingBytes);
    let at = 0;
    for (const p of this.pending) {
      data.set(p, at);
      at += p.byteLength;
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.host.post({ type: 'write', id: this.id, seq: this.pendingSeq, data }, [data.buffer]);
  }

  private received(m: FromScreenWorker): void {
    if (m.type === 'parsed') {
      this.backlog -= m.bytes;
      if (this.behind && this.backlog <= this.opts.maxBacklogBytes / 2) {
        this.behind = false;
        this.onBacklog(false);
      }
      return;
    }
    const waiting = this.snapshots.get(m.request);
    this.snapshots.delete(m.request);
    waiting?.resolve({ seq: m.seq, data: m.data, cols: m.cols, rows: m.rows });
  }

  /** For good: the screen is gone. Nothing will be parsed, so a backlog must not keep the backend paused. */
  private lost(error: Error): void {
    this.failure = error;
    this.pending = [];
    this.pendingBytes = 0;
    this.backlog = 0;
    if (this.behind) {
      this.behind = false;
      this.onBacklog(false);
    }
    for (const s of this.snapshots.values()) s.reject(error);
    this.snapshots.clear();
  }
}
