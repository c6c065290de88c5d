import { describe, expect, it } from 'vitest';
import type { Cast } from './asciicast';
import { CastPlayer, type PlayerClock } from './cast-player';

/** A clock the test advances by hand, running due timers in order. */
class ManualClock implements PlayerClock {
  private t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = ++this.ids;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown) {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.timers.shift();
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}

const cast: Cast = {
  header: { version: 2, width: 80, height: 24 },
  events: [
    { at: 100, code: 'o', data: 'a' },
    { at: 300, code: 'o', data: 'b' },
    { at: 10_300, code: 'o', data: 'c' },
    { at: 10_400, code: 'r', data: '100x30' },
  ],
  durationMs: 10_400,
};

function setup(opts: { maxIdleMs?: number } = {}) {
  const clock = new ManualClock();
  const out = { text: '', resets: 0, sizes: [] as string[] };
  const player = new CastPlayer(
    cast,
    {
      write: (d) => (out.text += d),
      reset: () => {
        out.text = '';
        out.resets++;
      },
      resize: (c, r) => out.sizes.push(`${c}x${r}`),
      progress: () => undefined,
    },
    { clock, ...opts },
  );
  return { clock, out, player };
}

describe('CastPlayer', () => {
  it('writes each output event at its time', () => {
    const { clock, out, player } = setup();
    player.play();
    clock.advance(99);
    expect(out.text).toBe('');
    clock.advance(1);
    expect(out.text).toBe('a');
    clock.advance(200);
    expect(out.text).toBe('ab');
  });

  it('shortens idle gaps to maxIdleMs by skipping them: duration and position stay in recorded time', () => {
    const { clock, out, player } = setup({ maxIdleMs: 1000 });
    expect(player.durationMs).toBe(10_400);
    player.play();
    clock.advance(1000);
    expect(out.text).toBe('ab');
    expect(player.position).toBe(1000);
    clock.advance(300);
    expect(out.text).toBe('abc');
    expect(player.position).toBe(10_300);
  });

  it('seeks in recorded time: into the played part of a long gap, or past it to the next event', () => {
    const { out, player } = setup({ maxIdleMs: 1000 });
    const cases: [seekTo: number, written: string, position: number][] = [
      [800, 'ab', 800],
      [5000, 'abc', 10_300],
    ];
    for (const [seekTo, written, position] of cases) {
      player.seek(seekTo);
      expect({ written: out.text, position: player.position }).toEqual({ written, position });
    }
  });

  it('plays twice as fast at speed 2', () => {
    const { clock, out, player } = setup();
    player.setSpeed(2);
    player.play();
    clock.advance(150);
    expect(out.text).toBe('ab');
  });

  it('stops writing while paused and continues where it stopped', () => {
    const { clock, out, player } = setup();
    player.play();
    clock.advance(150);
    player.pause();
    clock.advance(5000);
    expect(out.text).toBe('a');
    player.play();
    clock.advance(150);
    expect(out.text).toBe('ab');
  });

  it('seeking backwards resets the screen and replays up to the target', () => {
    const { out, player } = setup();
    player.seek(2000);
    expect(out.text).toBe('ab');
    player.seek(150);
    expect(out.text).toBe('a');
    expect(out.resets).toBe(2);
  });

  it('applies size events and the header size', () => {
    const { out, player } = setup();
    player.seek(player.durationMs);
    expect(out.sizes).toEqual(['80x24', '100x30']);
    expect(player.isPlaying).toBe(false);
  });
});
