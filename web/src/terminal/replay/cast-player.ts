/**
 * Plays cast events in time, without knowing about xterm: the view gives it `write` and `reset`. Long
 * pauses in a recording (a student reading the instructions) are shortened to `maxIdleMs` so a teacher
 * does not watch an idle screen; seeking backwards resets the screen and replays up to the target at once.
 *
 * Positions and `durationMs` are in recorded time, the same clock as the recordings list: a shortened
 * pause is skipped (the position jumps over it), it does not shrink the timeline. (Reporting the shortened
 * length made a 2:58 recording play as 0:54.) Inside, playback runs on the shortened clock.
 */
import type { Cast } from './asciicast';

export interface PlayerOutput {
  write(data: string): void;
  reset(): void;
  resize?(cols: number, rows: number): void;
  /** Position (ms of playback time) and whether it is playing, for the UI. */
  progress(positionMs: number, playing: boolean): void;
}

export interface PlayerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: PlayerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class CastPlayer {
  /** Event times after idle compression (the playback clock). */
  private readonly times: number[];
  /** The recording's length in recorded time. */
  readonly durationMs: number;
  /** Its length on the playback clock. */
  private readonly playbackMs: number;
  private next = 0;
  /** Playback-clock position while paused. */
  private positionMs = 0;
  private speed = 1;
  private playing = false;
  private timer: unknown = null;
  /** Clock reading and position when playback last (re)started, to compute the position while playing. */
  private anchor = { clock: 0, position: 0 };
  private readonly clock: PlayerClock;

  constructor(
    private readonly cast: Cast,
    private readonly out: PlayerOutput,
    opts: { maxIdleMs?: number; clock?: PlayerClock } = {},
  ) {
    const maxIdle = opts.maxIdleMs ?? 3000;
    this.clock = opts.clock ?? realClock;
    let shift = 0;
    this.times = cast.events.map((e, i) => {
      const gap = i === 0 ? e.at : e.at - cast.events[i - 1].at;
      if (gap > maxIdle) shift += gap - maxIdle;
      return e.at - shift;
    });
    this.playbackMs = this.times.length ? this.times[this.times.length - 1] : 0;
    this.durationMs = cast.events.length ? cast.events[cast.events.length - 1].at : 0;
    out.resize?.(cast.header.width, cast.header.height);
  }

  /** Recorded time at a playback-clock position: time runs within a (shortened) gap, then jumps to the next event. */
  private recorded(playback: number): number {
    const i = this.lastAtOrBefore(this.times, playback);
    const base = i < 0 ? { playback: 0, recorded: 0 } : { playback: this.times[i], recorded: this.cast.events[i].at };
    return Math.min(this.durationMs, base.recorded + (playback - base.playback));
  }

  /** Playback-clock position of a recorded time; inside a shortened gap, its part that is played. */
  private playback(recorded: number): number {
    const i = this.lastAtOrBefore(this.cast.events.map((e) => e.at), recorded);
    if (i < 0) return Math.min(recorded, this.times[0] ?? 0);
    const gap = i + 1 < this.times.length ? this.times[i + 1] - this.times[i] : 0;
    return this.times[i] + Math.min(recorded - this.cast.events[i].at, gap);
  }

  private lastAtOrBefore(sorted: number[], t: number): number {
    let lo = 0;
    let hi = sorted.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  get isPlaying(): boolean {
    return this.playing;
  }

  /** The position in recorded time. */
  get position(): number {
    return this.recorded(this.playbackPosition);
  }

  private get playbackPosition(): number {
    return this.playing ? Math.min(this.playbackMs, this.anchor.position + (this.clock.now() - this.anchor.clock) * this.speed) : this.positionMs;
  }

  play(): void {
    if (this.playing) return;
    if (this.next >= this.times.length) this.seek(0);
    this.playing = true;
    this.anchor = { clock: this.clock.now(), position: this.positionMs };
    this.schedule();
    this.out.progress(this.recorded(this.positionMs), true);
  }

  pause(): void {
    if (!this.playing) return;
    this.positionMs = this.playbackPosition;
    this.playing = false;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.out.progress(this.recorded(this.positionMs), false);
  }

  setSpeed(speed: number): void {
    const was = this.playing;
    if (was) this.pause();
    this.speed = speed;
    if (was) this.play();
  }

  /** Jumps to `ms` of recorded time: forward writes the events in between, backward resets and replays from the start. */
  seek(ms: number): void {
    const target = this.playback(Math.max(0, Math.min(ms, this.durationMs)));
    const was = this.playing;
    if (was) this.pause();
    if (target < this.positionMs || this.next === 0) {
      this.out.reset();
      this.next = 0;
    }
    this.emitUntil(target);
    this.positionMs = target;
    this.out.progress(this.recorded(target), false);
    if (was) this.play();
  }

  dispose(): void {
    this.clock.clearTimeout(this.timer);
    this.playing = false;
  }

  private emitUntil(ms: number): void {
    while (this.next < this.times.length && this.times[this.next] <= ms) this.emit(this.next++);
  }

  private emit(i: number): void {
    const e = this.cast.events[i];
    if (e.code === 'o') this.out.write(e.data);
    else if (e.code === 'r') {
      const m = /^(\d+)x(\d+)$/.exec(e.data);
      if (m) this.out.resize?.(Number(m[1]), Number(m[2]));
    }
  }

  private schedule(): void {
    if (!this.playing) return;
    const now = this.playbackPosition;
    this.emitUntil(now);
    if (this.next >= this.times.length) {
      this.positionMs = this.playbackMs;
      this.playing = false;
      this.out.progress(this.durationMs, false);
      return;
    }
    const wait = Math.max(0, (this.times[this.next] - now) / this.speed);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.out.progress(this.position, true);
      this.schedule();
    }, wait);
  }
}
