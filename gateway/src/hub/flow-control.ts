/**
 * Flow control for terminal output, in three small pieces:
 * - OutputBatcher coalesces PTY output into frames (fewer, larger WebSocket messages under load) while a
 *   lone chunk after a quiet spell (a keystroke echo) goes out at once, so typing gets no added latency;
 * - CreditWindow counts bytes sent to a client minus bytes it acknowledged as written by its terminal;
 * - PauseGate pauses the backend while any reason holds (an owner out of credit, the recorder behind)
 *   and resumes it when none does, so memory stays bounded under a flood.
 */
import { concatBytes } from './bytes';

export interface BatcherOptions {
  /** How long to gather output after the first chunk of a burst. */
  coalesceMs: number;
  /** A frame is emitted as soon as this many bytes are pending; larger chunks are split. */
  maxFrameBytes: number;
  /** A chunk arriving after this much silence (and nothing pending) is emitted immediately. */
  quietMs: number;
  /**
   * A chunk this small following a frame this small is emitted immediately too: that is typing (echo
   * after echo), however fast. Bulk output arrives in larger reads and is coalesced.
   */
  interactiveBytes: number;
  now?: () => number;
}

export const DEFAULT_BATCHING: BatcherOptions = { coalesceMs: 3, maxFrameBytes: 16 * 1024, quietMs: 3, interactiveBytes: 256 };

export class OutputBatcher {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastEmitAt = -Infinity;
  private lastEmitBytes = 0;
  private readonly now: () => number;

  constructor(
    private readonly opts: BatcherOptions,
    private readonly emit: (frame: Uint8Array) => void,
  ) {
    this.now = opts.now ?? (() => performance.now());
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    const now = this.now();
    const interactive = chunk.byteLength <= this.opts.interactiveBytes && this.lastEmitBytes <= this.opts.interactiveBytes;
    if (this.pendingBytes === 0 && this.timer === null && (interactive || now - this.lastEmitAt >= this.opts.quietMs)) {
      this.lastEmitAt = now;
      this.emitSplit(chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    if (this.pendingBytes >= this.opts.maxFrameBytes) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.opts.coalesceMs);
  }

  /** Emits whatever is pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pendingBytes === 0) return;
    const joined = this.pending.length === 1 ? this.pending[0] : concatBytes(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.lastEmitAt = this.now();
    this.emitSplit(joined);
  }

  private emitSplit(data: Uint8Array): void {
    this.lastEmitBytes = data.byteLength;
    const max = this.opts.maxFrameBytes;
    for (let at = 0; at < data.byteLength; at += max) this.emit(data.subarray(at, Math.min(at + max, data.byteLength)));
  }
}

/** Bytes sent to one client that it has not yet acknowledged as processed. */
export class CreditWindow {
  private sent = 0;
  private acked = 0;

  constructor(readonly windowBytes: number) {}

  get inflight(): number {
    return this.sent - this.acked;
  }

  get exhausted(): boolean {
    return this.inflight >= this.windowBytes;
  }

  onSent(bytes: number): void {
    this.sent += bytes;
  }

  /** Acks beyond what was sent are capped: a client cannot buy credit it was never given. */
  onAck(bytes: number): void {
    this.acked = Math.min(this.sent, this.acked + bytes);
  }

  /** Forget what is in flight (the client's terminal was reset, e.g. by a resync). */
  forgive(): void {
    this.acked = this.sent;
  }
}

/** Pauses a producer while at least one named reason holds. */
export class PauseGate {
  private readonly reasons = new Set<string>();

  constructor(
    private readonly pause: () => void,
    private readonly resume: () => void,
  ) {}

  get paused(): boolean {
    return this.reasons.size > 0;
  }

  has(reason: string): boolean {
    return this.reasons.has(reason);
  }

  set(reason: string, on: boolean): void {
    const was = this.paused;
    if (on) this.reasons.add(reason);
    else this.reasons.delete(reason);
    if (!was && this.paused) this.pause();
    else if (was && !this.paused) this.resume();
  }
}
