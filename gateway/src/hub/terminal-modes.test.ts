import { describe, expect, it } from 'vitest';
import { ModeTracker } from './terminal-modes';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('ModeTracker', () => {
  it('replays the last state of each private mode, the scroll region, charset and colours', () => {
    const t = new ModeTracker();
    t.scan(bytes('text\x1b[?1049h more \x1b[?25l\x1b[2;20r\x1b(0\x1b[1;31mred\x1b[?25h'));
    expect(t.prelude()).toBe('\x1b[?1049;25h\x1b[2;20r\x1b(0\x1b[1;31m');
  });

  it('forgets colours reset by SGR 0 and keeps a mode reset as a reset', () => {
    const t = new ModeTracker();
    t.scan(bytes('\x1b[31m\x1b[0m\x1b[?1h\x1b[?1l'));
    expect(t.prelude()).toBe('\x1b[?1l');
  });

  it('reads a sequence split across two chunks', () => {
    const t = new ModeTracker();
    t.scan(bytes('aaaa\x1b[?10'));
    t.scan(bytes('49hbbbb'));
    expect(t.prelude()).toBe('\x1b[?1049h');
  });

  it('gives nothing for plain text, however long', () => {
    const t = new ModeTracker();
    t.scan(new Uint8Array(1 << 20).fill(0x79));
    expect(t.prelude()).toBe('');
  });
});
