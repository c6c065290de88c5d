/**
 * The last output frames of a session, bounded by bytes, so a client that reconnects (or a viewer that
 * fell a little behind) gets exactly the frames after its last seq instead of a full screen resync.
 * Frames carry consecutive seqs; the oldest are dropped once `maxBytes` is exceeded (the newest frame is
 * always kept, even when larger than the bound). Each frame also counts `frameOverheadBytes`, so a long
 * session of one-byte echoes cannot hold hundreds of thousands of tiny frames.
 *
 * The frames are copied into one circular byte store (grown as needed, up to the bound) rather than
 * kept as the frames that were sent: a frame kept for a while outlives the young generation, and under
 * a flood freeing megabytes of such frames a second kept the garbage collector busier than copying
 * them does (issue 9: 0.4 s of CPU per 100 MB). Reading frames back (a resume, a viewer catching up)
 * copies them out, which is rare.
 */

export interface OutputFrame {
  seq: number;
  data: Uint8Array;
}

const INITIAL_STORE_BYTES = 1024;

export class RingBuffer {
  private store = new Uint8Array(0);
  /** Offset in `store` of the oldest frame's first byte. */
  private start = 0;
  private size = 0;
  /** Lengths of the frames held, oldest first from `head`. */
  private lengths: number[] = [];
  private head = 0;
  private firstSeq = 0;

  constructor(
    readonly maxBytes: number,
    private readonly frameOverheadBytes = 0,
  ) {}

  /** Frames held. */
  get length(): number {
    return this.lengths.length - this.head;
  }

  get bytes(): number {
    return this.size;
  }

  /** Newest seq held, or 0 when empty. */
  get latestSeq(): number {
    return this.length > 0 ? this.firstSeq + this.length - 1 : 0;
  }

  /** Oldest seq held, or 0 when empty. */
  get oldestSeq(): number {
    return this.length > 0 ? this.firstSeq : 0;
  }

  /** Keeps a copy of `frame.data`: the caller may send or drop its own. */
  push(frame: OutputFrame): void {
    const latest = this.latestSeq;
    if (latest !== 0 && frame.seq !== latest + 1) throw new Error(`ring: seq ${frame.seq} does not follow ${latest}`);
    const n = frame.data.byteLength;
    while (this.length > 0 && this.size + n + (this.length + 1) * this.frameOverheadBytes > this.maxBytes) this.dropOldest();
    if (this.length === 0) {
      this.firstSeq = frame.seq;
      this.start = 0;
    }
    if (this.size + n > this.store.byteLength) this.grow(this.size + n);
    this.copyIn(frame.data, (this.start + this.size) % this.store.byteLength);
    this.size += n;
    this.lengths.push(n);
  }

  /**
   * Frames with seq > `afterSeq`, oldest first, each a copy; an empty list when the client is up to date;
   * null when some of those frames were already dropped (the caller must resync from the screen).
   */
  since(afterSeq: number): OutputFrame[] | null {
    const first = this.firstIndex(afterSeq);
    if (first === null) return null;
    const frames: OutputFrame[] = [];
    let at = this.start + this.bytesBefore(first);
    for (let i = first; i < this.lengths.length; i++) {
      const data = this.copyOut(at % this.store.byteLength, this.lengths[i]);
      frames.push({ seq: this.firstSeq + i - this.head, data });
      at += this.lengths[i];
    }
    return frames;
  }

  /** Bytes of the frames after `afterSeq`; null when some of them are no longer held. */
  bytesSince(afterSeq: number): number | null {
    const first = this.firstIndex(afterSeq);
    if (first === null) return null;
    let n = 0;
    for (let i = first; i < this.lengths.length; i++) n += this.lengths[i];
    return n;
  }

  /** Index in `lengths` of the frame after `afterSeq` (lengths.length when up to date), or null. */
  private firstIndex(afterSeq: number): number | null {
    const latest = this.latestSeq;
    if (afterSeq >= latest) return afterSeq === latest ? this.lengths.length : null;
    if (afterSeq + 1 < this.oldestSeq) return null;
    return this.head + (afterSeq + 1 - this.firstSeq);
  }

  private bytesBefore(index: number): number {
    let n = 0;
    for (let i = this.head; i < index; i++) n += this.lengths[i];
    return n;
  }

  private dropOldest(): void {
    const n = this.lengths[this.head++];
    this.size -= n;
    this.start = this.store.byteLength === 0 ? 0 : (this.start + n) % this.store.byteLength;
    this.firstSeq++;
    // Compact now and then so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.lengths.length) {
      this.lengths = this.lengths.slice(this.head);
      this.head = 0;
    }
  }

  /** A larger store holding the same bytes from offset 0: doubling, within the bound (or one frame). */
  private grow(needed: number): void {
    let capacity = Math.max(INITIAL_STORE_BYTES, this.store.byteLength * 2);
    while (capacity < needed) capacity *= 2;
    capacity = Math.max(needed, Math.min(capacity, this.maxBytes));
    const next = new Uint8Array(capacity);
    if (this.size > 0) next.set(this.copyOut(this.start, this.size));
    this.store = next;
    this.start = 0;
  }

  private copyIn(data: Uint8Array, at: number): void {
    const firstPart = Math.min(data.byteLength, this.store.byteLength - at);
    this.store.set(firstPart === data.byteLength ? data : data.subarray(0, firstPart), at);
    if (firstPart < data.byteLength) this.store.set(data.subarray(firstPart), 0);
  }

  private copyOut(at: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    const firstPart = Math.min(n, this.store.byteLength - at);
    out.set(this.store.subarray(at, at + firstPart));
    if (firstPart < n) out.set(this.store.subarray(0, n - firstPart), firstPart);
    return out;
  }
}
