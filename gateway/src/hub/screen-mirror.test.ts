import { describe, expect, it } from 'vitest';
import { DEFAULT_SCREEN, ScreenMirror } from './screen-mirror';
import { ScreenWorkerHost } from './screen-worker-host';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('ScreenMirror', () => {
  it('snapshots the screen including every frame written so far, with its seq', async () => {
    const screen = new ScreenMirror({ cols: 40, rows: 5 }, DEFAULT_SCREEN);
    screen.write(1, bytes('first line\r\n'));
    screen.write(2, bytes('\x1b[31mred\x1b[0m second'));
    const snap = await screen.snapshot();
    expect(snap.seq).toBe(2);
    expect(snap.data).toContain('first line');
    expect(snap.data).toContain('\x1b[31mred');
    screen.dispose();
  });

  it('shows the result of carriage returns, not the raw overwritten bytes', async () => {
    const screen = new ScreenMirror({ cols: 40, rows: 5 }, DEFAULT_SCREEN);
    screen.write(1, bytes('progress 10%\rprogress 99%'));
    const snap = await screen.snapshot();
    expect(snap.data).toContain('progress 99%');
    expect(snap.data).not.toContain('10%');
    screen.dispose();
  });

  it('gives the visible screen as text for a thumbnail, clipped, with the cursor, and again after more output', async () => {
    const screen = new ScreenMirror({ cols: 40, rows: 5 }, DEFAULT_SCREEN);
    screen.write(1, bytes('\x1b[32mgreen\x1b[0m prompt$ \r\nsecond line that is long'));
    const first = await screen.text(10, 5);
    expect(first).toEqual({ seq: 1, lines: ['green prom', 'second lin'], cols: 40, rows: 5, cursorX: 24, cursorY: 1 });
    // A full-screen program: the alternate screen is what is visible.
    screen.write(2, bytes('\x1b[?1049h\x1b[2J\x1b[3;1Htop - 10:00'));
    const second = await screen.text(80, 24);
    expect(second.seq).toBe(2);
    expect(second.lines).toEqual(['', '', 'top - 10:00']);
    expect(await screen.text(80, 2)).toMatchObject({ lines: [] });
    screen.dispose();
  });

  it('reports the size after a resize applied in order with the output', async () => {
    const screen = new ScreenMirror({ cols: 40, rows: 5 }, DEFAULT_SCREEN);
    screen.write(1, bytes('x'));
    screen.resize({ cols: 100, rows: 30 });
    const snap = await screen.snapshot();
    expect([snap.cols, snap.rows]).toEqual([100, 30]);
    screen.dispose();
  });

  it('skips a flood beyond its parse budget, keeping the newest lines and the modes it set', async () => {
    const opts = { ...DEFAULT_SCREEN, tailBytes: 4096, parseBudgetBytes: 1024, parseEveryMs: 60_000 };
    const screen = new ScreenMirror({ cols: 40, rows: 5 }, opts);
    screen.write(1, bytes('\x1b[?1049h\x1b[?2004h'));
    for (let seq = 2; seq <= 2001; seq++) screen.write(seq, bytes(`\r\nline ${seq}`));
    expect(screen.heldBytes).toBeLessThanOrEqual(opts.tailBytes + opts.parseBudgetBytes + 64);
    expect(screen.skippedTotal).toBeGreaterThan(10_000);
    const snap = await screen.snapshot();
    expect(snap.seq).toBe(2001);
    expect(snap.data).toContain('line 2001');
    // The alternate screen and bracketed paste were set in skipped output; the snapshot still has them.
    expect(snap.data).toContain('\x1b[?1049h');
    expect(snap.data).toContain('\x1b[?2004h');
    screen.dispose();
  });

  it('keeps two sessions apart although one worker parses both', async () => {
    const a = new ScreenMirror({ cols: 40, rows: 5 }, DEFAULT_SCREEN);
    const b = new ScreenMirror({ cols: 40, rows: 5 }, DEFAULT_SCREEN);
    a.write(1, bytes('alpha'));
    b.write(7, bytes('beta'));
    const [sa, sb] = await Promise.all([a.snapshot(), b.snapshot()]);
    expect([sa.seq, sb.seq]).toEqual([1, 7]);
    expect(sa.data).toContain('alpha');
    expect(sa.data).not.toContain('beta');
    expect(sb.data).toContain('beta');
    a.dispose();
    b.dispose();
  });

  it('answers a snapshot taken in the middle of a stream with exactly the frames before it', async () => {
    const screen = new ScreenMirror({ cols: 20, rows: 3 }, { ...DEFAULT_SCREEN, snapshotScrollback: 0 });
    for (let seq = 1; seq <= 500; seq++) screen.write(seq, bytes(`\r\nline ${seq}`));
    const mid = screen.snapshot();
    screen.write(501, bytes('\r\nline 501'));
    const snap = await mid;
    expect(snap.seq).toBe(500);
    expect(snap.data).toContain('line 500');
    expect(snap.data).not.toContain('line 501');
    screen.dispose();
  });

  it('releases its backlog and rejects snapshots when its worker dies', async () => {
    const host = new ScreenWorkerHost();
    const screen = new ScreenMirror({ cols: 80, rows: 24 }, { ...DEFAULT_SCREEN, tailBytes: 1000 }, host);
    await screen.snapshot();
    for (let seq = 1; seq <= 4; seq++) screen.write(seq, new Uint8Array(1000).fill(0x61));
    screen.resize({ cols: 100, rows: 30 });
    await host.stop();
    await expect(screen.snapshot()).rejects.toThrow('screen worker exited');
    expect(screen.backlogBytes).toBe(0);
    expect(screen.heldBytes).toBe(0);
    expect(host.backlogBytes).toBe(0);
  });

  it('starts no worker and no terminal for a session nobody joined late, however often it is resized', async () => {
    const host = new ScreenWorkerHost();
    const screen = new ScreenMirror({ cols: 80, rows: 24 }, DEFAULT_SCREEN, host);
    screen.write(1, bytes('$ '));
    for (let i = 0; i < 1000; i++) screen.resize({ cols: 80 + (i % 2), rows: 24 });
    screen.dispose();
    expect(host.running).toBe(false);
  });

  it('rejects snapshots once disposed', async () => {
    const screen = new ScreenMirror({ cols: 40, rows: 5 }, DEFAULT_SCREEN);
    screen.dispose();
    await expect(screen.snapshot()).rejects.toThrow('disposed');
  });
});
