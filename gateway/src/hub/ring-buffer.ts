/**
 * The last output frames of a session, bounded by bytes, so a client that reconnects (or a viewer that
 * fell a little behind) gets exactly the frames after its last seq instead of a full screen resync.
 * Frames carry consecutive seqs; the oldest are dropped once `maxBytes` is exceeded (the newest frame is
 * always kept, even when larger than the bound). Each frame also counts `frameOverheadBytes` (its
 * objects), so a long session of one-byte echoes cannot hold hundreds of thousands of tiny frames.
 */

export interface OutputFrame {
  seq: number;
  data: Uint8Array;
}

export class RingBuffer {
  private frames: OutputFrame[] = [];
  private head = 0;
  private size = 0;

  constructor(
    readonly maxBytes: number,
    private readonly frameOverheadBytes = 0,
  ) {}

  /** Frames held. */
  get length(): number {
    return this.frames.length - this.head;
  }

  private get held(): number {
    return this.size + this.length * this.frameOverheadBytes;
  }

  get bytes(): number {
    return this.size;
  }

  /** Newest seq held, or 0 when empty. */
  get latestSeq(): number {
    return this.frames.length > this.head ? this.frames[this.frames.length - 1].seq : 0;
  }

  /** Oldest seq held, or 0 when empty. */
  get oldestSeq(): number {
    return this.frames.length > this.head ? this.frames[this.head].seq : 0;
  }

  push(frame: OutputFrame): void {
    const latest = this.latestSeq;
    if (latest !== 0 && frame.seq !== latest + 1) throw new Error(`ring: seq ${frame.seq} does not follow ${latest}`);
    this.frames.push(frame);
    this.size += frame.data.byteLength;
    while (this.held > this.maxBytes && this.frames.length - this.head > 1) {
      this.size -= this.frames[this.head].data.byteLength;
      this.head++;
    }
    // Compact now and then so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Frames with seq > `afterSeq`, oldest first; an empty list when the client is up to date; null when
   * some of those frames were already dropped (the caller must resync from the screen).
   */
  since(afterSeq: number): OutputFrame[] | null {
    const latest = this.latestSeq;
    if (afterSeq >= latest) return afterSeq === latest ? [] : null;
    if (afterSeq + 1 < this.oldestSeq) return null;
    return this.frames.slice(this.head + (afterSeq + 1 - this.oldestSeq));
  }

  /** Bytes of the frames after `afterSeq` (0 when up to date or when they are no longer held). */
  bytesSince(afterSeq: number): number {
    const frames = this.since(afterSeq);
    return frames ? frames.reduce((n, f) => n + f.data.byteLength, 0) : 0;
  }
}
