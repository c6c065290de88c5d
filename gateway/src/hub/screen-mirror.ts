/**
 * The session's screen for a late joiner or a client that fell too far behind: the *current screen*
 * (colours, cursor, alternate screen of a full-screen program) rather than a replay of raw bytes that
 * may start in the middle of an escape sequence.
 *
 * Parsing terminal output is the costliest per-byte work there is, and almost nobody joins late, so
 * the screen is built when someone asks for it rather than parsed for every byte:
 * - the newest output (up to `tailBytes`) is only kept, as references to the frames the ring holds
 *   anyway; a snapshot hands it to the screen worker (screen-worker.ts), which parses it then;
 * - output older than the tail is parsed in the worker, at most `parseBudgetBytes` per `parseEveryMs`
 *   and only while the worker keeps up (`maxWorkerBacklogBytes` over all sessions). A flood beyond that
 *   has scrolled away by the time anyone could look at it: it is skipped, and only the settings it made
 *   that outlive it (modes, scroll region, colours, charsets; terminal-modes.ts) are replayed in its place.
 * A session's headless terminal (and the worker itself, once per process) is created on the first
 * write or snapshot, so a session that printed less than the tail and never had a late joiner holds
 * no terminal at all. Memory is bounded per session by the tail plus one budget,
 * and across sessions by the worker backlog bound; the mirror never pauses the backend.
 *
 * Order: every write, resize and snapshot reaches the worker in output order, and a snapshot carries
 * the seq of the last frame it includes, so the caller continues from exactly there (no gap, no duplicate).
 */
import type { TerminalSize } from '../backends/terminal-backend';
import type { FromScreenWorker, ToScreenWorker } from './screen-messages';
import { screenWorkerHost, type ScreenWorkerHost } from './screen-worker-host';
import { concatBytes } from './bytes';
import { ModeTracker } from './terminal-modes';

export interface ScreenSnapshot {
  /** Seq of the last output frame included. */
  seq: number;
  data: string;
  cols: number;
  rows: number;
}

/** The visible screen as plain text: what a class wall thumbnail shows. */
export interface ScreenText {
  /** Seq of the last output frame included. */
  seq: number;
  /** The visible rows, trailing blanks trimmed, empty rows at the bottom left out. */
  lines: string[];
  cols: number;
  rows: number;
  cursorX: number;
  cursorY: number;
}

export interface ScreenMirrorOptions {
  scrollback: number;
  /** Lines of scrollback included in a snapshot (above the visible screen). */
  snapshotScrollback: number;
  /** Newest output kept unparsed until a snapshot (it must cover the screen and the snapshot's scrollback). */
  tailBytes: number;
  /** Older output parsed per `parseEveryMs`; beyond it a flood is skipped. */
  parseBudgetBytes: number;
  parseEveryMs: number;
  /** Bytes posted to the worker and not parsed yet, over all sessions, beyond which older output is skipped. */
  maxWorkerBacklogBytes: number;
}

export const DEFAULT_SCREEN: ScreenMirrorOptions = {
  scrollback: 1000,
  snapshotScrollback: 200,
  tailBytes: 128 * 1024,
  parseBudgetBytes: 64 * 1024,
  parseEveryMs: 100,
  maxWorkerBacklogBytes: 8 * 1024 * 1024,
};

/** At most this many frames in the tail, so a stream of one-byte echoes does not hold thousands of views. */
const MAX_TAIL_FRAMES = 256;

interface PendingSnapshot {
  resolve: (answer: ScreenSnapshot | ScreenText) => void;
  reject: (error: Error) => void;
}

export class ScreenMirror {
  private readonly id: number;
  private size: TerminalSize;
  /** The worker holds a terminal for this mirror (from its first write or snapshot on). */
  private opened = false;
  private tail: Uint8Array[] = [];
  private tailBytes = 0;
  private seq = 0;
  /** Output older than the tail, waiting for the next parse turn. */
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private skipped: ModeTracker | null = null;
  private skippedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private backlog = 0;
  private failure: Error | null = null;
  private nextRequest = 1;
  private readonly snapshots = new Map<number, PendingSnapshot>();

  constructor(
    size: TerminalSize,
    private readonly opts: ScreenMirrorOptions,
    private readonly host: ScreenWorkerHost = screenWorkerHost,
  ) {
    this.size = size;
    this.id = host.register({ onMessage: (m) => this.received(m), onLost: (e) => this.lost(e) });
  }

  /** Bytes posted to the worker that it has not parsed yet. */
  get backlogBytes(): number {
    return this.backlog;
  }

  /** Output held on the main thread: the tail and the batch waiting for its parse turn. */
  get heldBytes(): number {
    return this.tailBytes + this.batchBytes;
  }

  /** Output bytes skipped (never parsed) so far. */
  get skippedTotal(): number {
    return this.skippedBytes;
  }

  /** `data` is kept by reference until parsed or skipped: the caller must not modify it. */
  write(seq: number, data: Uint8Array): void {
    if (this.failure || data.byteLength === 0) return;
    this.seq = seq;
    this.tail.push(data);
    this.tailBytes += data.byteLength;
    while (this.tail.length > 1 && (this.tail.length > MAX_TAIL_FRAMES || this.tailBytes - this.tail[0].byteLength >= this.opts.tailBytes)) {
      const old = this.tail.shift()!;
      this.tailBytes -= old.byteLength;
      this.evict(old);
    }
  }

  /**
   * Applied in order with the output parsed before it. Before the worker holds a terminal, only the size
   * is kept: the tail is then parsed at the new size, which for text is what xterm's reflow would show
   * (a full-screen program redraws after the resize anyway), and a resize storm costs no parsing.
   */
  resize(size: TerminalSize): void {
    if (this.failure) return;
    this.size = size;
    if (!this.opened) return;
    this.postBatch();
    this.postTail();
    this.host.post({ type: 'resize', id: this.id, cols: size.cols, rows: size.rows });
  }

  snapshot(): Promise<ScreenSnapshot> {
    return this.ask((request, data) => ({ type: 'snapshot', id: this.id, request, scrollback: this.opts.snapshotScrollback, seq: this.seq, data })) as Promise<ScreenSnapshot>;
  }

  /** The visible screen as text, at most `maxCols` x `maxRows` (the screen's top left). */
  text(maxCols: number, maxRows: number): Promise<ScreenText> {
    return this.ask((request, data) => ({ type: 'text', id: this.id, request, maxCols, maxRows, seq: this.seq, data })) as Promise<ScreenText>;
  }

  /** Hands the tail to the worker with a request for the screen; the answer comes in output order. */
  private ask(message: (request: number, data: Uint8Array) => ToScreenWorker): Promise<ScreenSnapshot | ScreenText> {
    if (this.failure) return Promise.reject(this.failure);
    this.postBatch();
    const data = this.takeTail();
    const request = this.nextRequest++;
    this.backlog += data.byteLength;
    this.host.backlogBytes += data.byteLength;
    this.open();
    return new Promise((resolve, reject) => {
      this.snapshots.set(request, { resolve, reject });
      this.host.post(message(request, data), [data.buffer as ArrayBuffer]);
    });
  }

  dispose(): void {
    if (this.failure) return;
    if (this.opened) this.host.post({ type: 'dispose', id: this.id });
    this.host.unregister(this.id);
    this.lost(new Error('screen mirror disposed'));
  }

  /** Output leaving the tail: parsed in the next turn if the budget and the worker allow, else skipped. */
  private evict(chunk: Uint8Array): void {
    // Once this turn skipped, the rest of the turn is skipped too: the budget is per turn, not per gap.
    const fits = !this.skipped && this.batchBytes + chunk.byteLength <= this.opts.parseBudgetBytes;
    if (fits && this.host.backlogBytes < this.opts.maxWorkerBacklogBytes) {
      this.batch.push(chunk);
      this.batchBytes += chunk.byteLength;
    } else {
      (this.skipped ??= new ModeTracker()).scan(chunk);
      this.skippedBytes += chunk.byteLength;
    }
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.postBatch();
    }, this.opts.parseEveryMs);
  }

  /** Posts the batch, then (in output order) the settings of whatever was skipped after it. */
  private postBatch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.failure || (this.batchBytes === 0 && !this.skipped)) return;
    const prelude = this.skipped ? new TextEncoder().encode(this.skipped.prelude()) : new Uint8Array(0);
    this.skipped = null;
    const data = concatBytes([...this.batch, prelude], this.batchBytes + prelude.byteLength);
    this.batch = [];
    this.batchBytes = 0;
    this.postWrite(data);
  }

  private postTail(): void {
    const data = this.takeTail();
    if (data.byteLength > 0) this.postWrite(data);
  }

  private takeTail(): Uint8Array {
    const data = concatBytes(this.tail, this.tailBytes);
    this.tail = [];
    this.tailBytes = 0;
    return data;
  }

  private postWrite(data: Uint8Array): void {
    if (data.byteLength === 0) return;
    this.backlog += data.byteLength;
    this.host.backlogBytes += data.byteLength;
    this.open();
    this.host.post({ type: 'write', id: this.id, data }, [data.buffer as ArrayBuffer]);
  }

  /** The worker (started by the first post of the process) learns of this mirror when it first parses for it. */
  private open(): void {
    if (this.opened) return;
    this.opened = true;
    this.host.post({ type: 'open', id: this.id, cols: this.size.cols, rows: this.size.rows, scrollback: this.opts.scrollback });
  }

  private received(m: FromScreenWorker): void {
    this.backlog -= m.bytes;
    this.host.backlogBytes -= m.bytes;
    if (m.type === 'parsed') return;
    const waiting = this.snapshots.get(m.request);
    this.snapshots.delete(m.request);
    if (m.type === 'snapshot') waiting?.resolve({ seq: m.seq, data: m.data, cols: m.cols, rows: m.rows });
    else waiting?.resolve({ seq: m.seq, lines: m.lines, cols: m.cols, rows: m.rows, cursorX: m.cursorX, cursorY: m.cursorY });
  }

  /** For good: the screen is gone. */
  private lost(error: Error): void {
    this.failure = error;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.tail = [];
    this.tailBytes = 0;
    this.batch = [];
    this.batchBytes = 0;
    this.skipped = null;
    this.host.backlogBytes -= this.backlog;
    this.backlog = 0;
    for (const s of this.snapshots.values()) s.reject(error);
    this.snapshots.clear();
  }
}
