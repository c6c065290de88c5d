/**
 * Flow control for terminal output, in three small pieces:
 * - OutputBatcher coalesces PTY output into frames (fewer, larger WebSocket messages under load) while a
 *   lone chunk after a quiet spell (a keystroke echo) goes out at once, so typing gets no added latency;
 * - CreditWindow counts bytes sent to a client minus bytes it acknowledged as written by its terminal,
 *   against a window that follows the client's pace;
 * - PauseGate pauses the backend while any reason holds (an owner out of credit, the recorder behind)
 *   and resumes it when none does, so memory stays bounded under a flood.
 */
import { LIMITS } from '../protocol/wire';
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
  /**
   * Room left before each frame's payload for the caller's header, so a frame is built with one copy of
   * its bytes (default 0: frames are the payload alone).
   */
  headerBytes?: number;
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
      this.emitFrames([chunk], chunk.byteLength);
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
    const parts = this.pending;
    const total = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.lastEmitAt = this.now();
    this.emitFrames(parts, total);
  }

  /** `parts` (`total` bytes) as frames of at most maxFrameBytes, each copied once behind its header room. */
  private emitFrames(parts: Uint8Array[], total: number): void {
    this.lastEmitBytes = total;
    const max = this.opts.maxFrameBytes;
    const header = this.opts.headerBytes ?? 0;
    if (total <= max) return this.emit(concatBytes(parts, total, header));
    // Rare (a read larger than a frame): join once, then copy each frame's share.
    const joined = parts.length === 1 ? parts[0] : concatBytes(parts, total);
    for (let at = 0; at < total; at += max) this.emit(concatBytes([joined.subarray(at, Math.min(at + max, total))], Math.min(max, total - at), header));
  }
}

/** How a client's credit window is sized. */
export interface WindowPolicy {
  /** The initial and smallest window. */
  minBytes: number;
  /** The largest: what one client may hold in flight, in memory and sockets. */
  maxBytes: number;
  /**
   * The window is what the client processes in this long (measured from its acks). Everything in flight
   * is drawn before the prompt that follows a Ctrl-C, so this is about how long that takes.
   */
  targetMs: number;
  /**
   * How far the window doubles for a client that runs dry while it holds output back (`idle` acks):
   * beyond it, only a measured pace grows the window. Everything in flight is drawn before a Ctrl-C's
   * prompt, and a browser that draws slowly looks starved too (its socket is read between frames).
   */
  starvedMaxBytes: number;
  now?: () => number;
}

/**
 * Start at the protocol's window; follow the client's pace up to 1 MiB, for 100 ms of its processing;
 * a starved client's window doubles up to 256 KiB.
 */
export const ADAPTIVE_WINDOW: WindowPolicy = { minBytes: LIMITS.creditWindowBytes, maxBytes: 1024 * 1024, targetMs: 100, starvedMaxBytes: 256 * 1024 };

export const fixedWindow = (bytes: number): WindowPolicy => ({ minBytes: bytes, maxBytes: bytes, targetMs: 100, starvedMaxBytes: bytes });

/**
 * A rate is measured over at least this long a busy spell: long enough to span several of a browser's
 * frames, between which it processes nothing (a shorter sample taken across one frame would read as a
 * slow client).
 */
const MIN_SAMPLE_MS = 200;

/**
 * Bytes sent to one client that it has not yet acknowledged as processed, and the window they may
 * reach. The window adapts to the client:
 * - while it has output in flight, its acks measure how fast it processes (a browser drawing, a network
 *   in between), and the window becomes that rate times `targetMs`, within [minBytes, maxBytes]: a
 *   client that slows down gets a smaller window, so an interrupted flood stays short;
 * - a client that says it processed everything it had (an `idle` ack) while the window held output
 *   back was starved by the window, not by its own pace: the window doubles (up to starvedMaxBytes),
 *   and a sample that saw it starve does not shrink the window. Without this a browser that draws a
 *   frame between batches settles where each batch is one window (window / frame time is the rate
 *   that measures it), however much faster it could go: at 64 KiB in Chromium (issue 9).
 * A client that never acks keeps the smallest window.
 */
export class CreditWindow {
  private sent = 0;
  private acked = 0;
  private window: number;
  private readonly policy: WindowPolicy;
  private readonly now: () => number;
  /** Start of the current busy spell (output in flight since), or -1 when idle. */
  private spellStart = -1;
  private spellBytes = 0;
  /** Bytes per ms, smoothed; 0 until measured. */
  private rate = 0;
  /** The window held output back since the client's last idle ack. */
  private limited = false;
  /** The client said it was idle during the current sample: the sample measures less than its pace. */
  private starvedInSample = false;

  constructor(policy: WindowPolicy | number) {
    this.policy = typeof policy === 'number' ? fixedWindow(policy) : policy;
    this.window = this.policy.minBytes;
    this.now = this.policy.now ?? (() => performance.now());
  }

  get windowBytes(): number {
    return this.window;
  }

  get inflight(): number {
    return this.sent - this.acked;
  }

  get exhausted(): boolean {
    return this.inflight >= this.window;
  }

  onSent(bytes: number): void {
    if (this.spellStart < 0 && bytes > 0) {
      this.spellStart = this.now();
      this.spellBytes = 0;
    }
    this.sent += bytes;
    if (this.exhausted) this.limited = true;
  }

  /**
   * Acks beyond what was sent are capped: a client cannot buy credit it was never given. `idle`: the
   * client has processed everything it received.
   */
  onAck(bytes: number, idle = false): void {
    const before = this.inflight;
    this.acked = Math.min(this.sent, this.acked + bytes);
    if (this.policy.minBytes === this.policy.maxBytes) return;
    if (idle) {
      if (this.limited) {
        this.starvedInSample = true;
        this.window = Math.max(this.window, Math.min(this.policy.starvedMaxBytes, this.window * 2));
      }
      this.limited = false;
    }
    if (this.spellStart < 0) return;
    this.spellBytes += before - this.inflight;
    const now = this.now();
    const elapsed = now - this.spellStart;
    if (elapsed >= MIN_SAMPLE_MS) {
      const sample = this.spellBytes / elapsed;
      this.rate = this.rate === 0 ? sample : (this.rate + sample) / 2;
      const { minBytes, maxBytes, targetMs } = this.policy;
      const paced = Math.max(minBytes, Math.min(maxBytes, Math.round(this.rate * targetMs)));
      this.window = this.starvedInSample ? Math.max(paced, this.window) : paced;
      this.starvedInSample = false;
      this.spellStart = now;
      this.spellBytes = 0;
    }
    // Caught up before a sample was complete: an idle gap is not the client's pace, unless the window
    // made it (the client ran dry while output was held back).
    if (this.inflight === 0 && !this.starvedInSample) this.spellStart = -1;
  }

  /** Forget what is in flight (the client's terminal was reset, e.g. by a resync). */
  forgive(): void {
    this.acked = this.sent;
    this.spellStart = -1;
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
