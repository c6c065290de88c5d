/**
 * What a terminal remembers from output that the screen mirror skips instead of parsing (a flood): the
 * private modes (alternate screen, cursor keys, bracketed paste, mouse, cursor visibility, ...), the
 * scroll region, the last SGR (colours) and the G0/G1 character sets. Skipped text has scrolled away;
 * these settings have not, so they are replayed before the text that is parsed.
 *
 * A scan looks only at escape sequences (Buffer.indexOf finds each ESC natively), so a flood of plain
 * text costs a memchr. Sequences split across chunks are carried over (at most MAX_SEQUENCE bytes).
 */

const ESC = 0x1b;
const MAX_SEQUENCE = 64;

export class ModeTracker {
  /** DECSET/DECRST: mode number -> 'h' (set) or 'l' (reset), in the order last set. */
  private readonly modes = new Map<string, 'h' | 'l'>();
  private scrollRegion: string | null = null;
  private sgr: string | null = null;
  private readonly charsets = new Map<string, string>();
  private carry: Buffer | null = null;

  /** Scans `chunk` (output the terminal will never parse) for settings that outlive it. */
  scan(chunk: Uint8Array): void {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.carry) {
      buf = Buffer.concat([this.carry, buf]);
      this.carry = null;
    }
    let at = buf.indexOf(ESC);
    while (at !== -1) {
      const end = this.sequenceEnd(buf, at);
      if (end === -1) {
        if (buf.byteLength - at <= MAX_SEQUENCE) this.carry = Buffer.from(buf.subarray(at));
        return;
      }
      this.apply(buf.toString('latin1', at, end));
      at = buf.indexOf(ESC, end);
    }
  }

  /** Bytes that put a fresh terminal in the tracked state (empty when nothing was seen). */
  prelude(): string {
    const out: string[] = [];
    for (const [set, parts] of [
      ['h', [...this.modes].filter(([, v]) => v === 'h').map(([k]) => k)],
      ['l', [...this.modes].filter(([, v]) => v === 'l').map(([k]) => k)],
    ] as const) {
      if (parts.length > 0) out.push(`\x1b[?${parts.join(';')}${set}`);
    }
    if (this.scrollRegion) out.push(this.scrollRegion);
    for (const designation of this.charsets.values()) out.push(designation);
    if (this.sgr) out.push(this.sgr);
    return out.join('');
  }

  /** Index after the sequence starting at `at`, or -1 when it is not complete in `buf`. */
  private sequenceEnd(buf: Buffer, at: number): number {
    if (at + 1 >= buf.byteLength) return -1;
    const kind = buf[at + 1];
    if (kind === 0x5b) {
      // CSI: parameters and intermediates, then a final byte 0x40-0x7e.
      for (let i = at + 2; i < buf.byteLength && i < at + MAX_SEQUENCE; i++) {
        const b = buf[i];
        if (b >= 0x40 && b <= 0x7e) return i + 1;
      }
      return buf.byteLength - at >= MAX_SEQUENCE ? at + 2 : -1;
    }
    if (kind === 0x28 || kind === 0x29) return at + 3 <= buf.byteLength ? at + 3 : -1;
    return at + 2;
  }

  private apply(seq: string): void {
    if (seq[1] === '(' || seq[1] === ')') {
      this.charsets.set(seq[1], seq);
      return;
    }
    if (seq[1] !== '[' || seq.length < 3) return;
    const final = seq[seq.length - 1];
    const body = seq.slice(2, -1);
    if (body.startsWith('?') && (final === 'h' || final === 'l')) {
      for (const mode of body.slice(1).split(';')) {
        if (!/^\d{1,5}$/.test(mode)) continue;
        this.modes.delete(mode);
        this.modes.set(mode, final);
      }
    } else if (final === 'r' && /^[\d;]*$/.test(body)) {
      this.scrollRegion = seq;
    } else if (final === 'm' && /^[\d;:]*$/.test(body)) {
      this.sgr = body === '' || body === '0' ? null : seq;
    }
  }
}
