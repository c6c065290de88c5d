/**
 * The holder's half of the class wall: every replica listens for walls asking to watch sessions
 * (WALL_WATCH_CHANNEL) and, for the watched sessions it holds, publishes a thumbnail (WALL_THUMB_CHANNEL)
 * each interval in which the screen changed. A session nobody watches costs nothing here, and while nothing
 * is watched no timer runs; a watch lapses unless it is renewed (wall-hub.ts renews its sessions every WATCH_RENEW_MS).
 * The text comes from the session's screen mirror (LiveSession.screenText), parsed in the screen worker:
 * a watched session's output is parsed once per interval rather than per byte, within the mirror's budget.
 */
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { Disposable } from '@autolabs/common/disposable';
import type { SessionStore } from '@autolabs/common/session-store/session-store';
import type { LiveSession } from '../hub/live-session';
import { THUMB_MAX_COLS, THUMB_MAX_ROWS, type Thumbnail } from './wall-protocol';

/** Walls ask for sessions here: { sids, fresh } (fresh: send these even if unchanged since the last thumbnail). */
export const WALL_WATCH_CHANNEL = 'autolabs:wall-watch';
/** Thumbnails go out here, for whichever replica's walls watch them. */
export const WALL_THUMB_CHANNEL = 'autolabs:wall-thumbs';
/** A watch not renewed within this time lapses. */
export const WATCH_TTL_MS = 15_000;

const watchMessage = z.object({ sids: z.array(z.string().min(1).max(200)).max(10_000), fresh: z.array(z.string().min(1).max(200)).max(10_000) });
export type WatchMessage = z.infer<typeof watchMessage>;

interface Watch {
  until: number;
  /** Seq of the last thumbnail published (-1: none yet, or asked fresh). */
  lastSeq: number;
  busy: boolean;
}

export interface ThumbnailPublisherOptions {
  sessionStore: SessionStore;
  /** The sessions this replica holds. */
  session: (sid: string) => LiveSession | undefined;
  intervalMs: number;
  log: FastifyBaseLogger;
}

export class ThumbnailPublisher {
  private readonly watches = new Map<string, Watch>();
  private subscription: Disposable | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: ThumbnailPublisherOptions) {}

  /** Sessions watched right now (held here or not). */
  get watchedCount(): number {
    return this.watches.size;
  }

  async start(): Promise<void> {
    this.subscription = await this.opts.sessionStore.subscribe(WALL_WATCH_CHANNEL, (message) => this.onWatch(message));
  }

  async close(): Promise<void> {
    this.stopTicking();
    await this.subscription?.dispose();
    this.subscription = null;
    this.watches.clear();
  }

  private onWatch(message: unknown): void {
    const parsed = watchMessage.safeParse(message);
    if (!parsed.success) {
      this.opts.log.warn({ issues: parsed.error.issues.slice(0, 3) }, 'dropped a malformed wall watch message');
      return;
    }
    const until = Date.now() + WATCH_TTL_MS;
    for (const sid of parsed.data.sids) {
      const w = this.watches.get(sid);
      if (w) w.until = until;
      else this.watches.set(sid, { until, lastSeq: -1, busy: false });
    }
    if (this.watches.size > 0 && !this.timer) {
      // The interval runs only while something is watched.
      this.timer = setInterval(() => this.tick(), this.opts.intervalMs);
      this.timer.unref();
    }
    let freshHere = false;
    for (const sid of parsed.data.fresh) {
      const w = this.watches.get(sid);
      if (w) w.lastSeq = -1;
      freshHere ||= this.opts.session(sid) !== undefined;
    }
    // A wall that just opened should not wait a whole interval for what is already on the screens.
    if (freshHere) queueMicrotask(() => this.tick());
  }

  private tick(): void {
    const now = Date.now();
    for (const [sid, w] of this.watches) {
      if (w.until < now) {
        this.watches.delete(sid);
        continue;
      }
      const session = this.opts.session(sid);
      if (!session || session.isEnded || w.busy || session.latestSeq === w.lastSeq) continue;
      w.busy = true;
      session
        .screenText(THUMB_MAX_COLS, THUMB_MAX_ROWS)
        .then((text) => {
          w.lastSeq = text.seq;
          const thumb: Thumbnail = { sid, ...text, at: Date.now() };
          return this.opts.sessionStore.publish(WALL_THUMB_CHANNEL, thumb);
        })
        // The session ended meanwhile (its mirror is gone), or the store is down: the next tick tries again.
        .catch((err: unknown) => this.opts.log.debug({ err, sid }, 'wall thumbnail not published'))
        .finally(() => {
          w.busy = false;
        });
    }
    if (this.watches.size === 0) this.stopTicking();
  }

  /** True while the interval runs (something is watched). */
  get ticking(): boolean {
    return this.timer !== null;
  }

  private stopTicking(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
