/**
 * The watching half of the class wall, one per replica: the wall sockets served here register the sessions
 * they may show; the hub asks every replica for them (WALL_WATCH_CHANNEL, renewed every WATCH_RENEW_MS while
 * watched) and hands each thumbnail that comes back (WALL_THUMB_CHANNEL) to the sockets watching its session.
 */
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { Disposable } from '@autolabs/common/disposable';
import type { SessionStore } from '@autolabs/common/session-store/session-store';
import { WALL_THUMB_CHANNEL, WALL_WATCH_CHANNEL, WATCH_TTL_MS, type WatchMessage } from './thumbnail-publisher';
import { THUMB_MAX_COLS, THUMB_MAX_ROWS, type Thumbnail } from './wall-protocol';

/** Watches are renewed this often, well inside their time to live. */
export const WATCH_RENEW_MS = WATCH_TTL_MS / 3;

const thumbnail = z.object({
  sid: z.string().min(1).max(200),
  seq: z.number().int().min(0),
  cols: z.number().int().min(1).max(10_000),
  rows: z.number().int().min(1).max(10_000),
  lines: z.array(z.string().max(THUMB_MAX_COLS * 4)).max(THUMB_MAX_ROWS),
  cursorX: z.number().int().min(0),
  cursorY: z.number().int().min(0),
  at: z.number(),
});

/** One wall socket as the hub sees it. */
export interface WallWatcher {
  sids: ReadonlySet<string>;
  thumb(t: Thumbnail): void;
}

export class WallHub {
  private readonly watchers = new Set<WallWatcher>();
  private subscription: Disposable | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: SessionStore,
    private readonly log: FastifyBaseLogger,
  ) {}

  get watcherCount(): number {
    return this.watchers.size;
  }

  async start(): Promise<void> {
    this.subscription = await this.store.subscribe(WALL_THUMB_CHANNEL, (message) => this.onThumb(message));
    this.timer = setInterval(() => void this.renew(), WATCH_RENEW_MS);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watchers.clear();
    await this.subscription?.dispose();
    this.subscription = null;
  }

  /** Starts (or, with new sessions, widens) a watcher's watch; its sessions' current screens come first. */
  async watch(watcher: WallWatcher): Promise<void> {
    this.watchers.add(watcher);
    const sids = [...watcher.sids];
    await this.publish({ sids, fresh: sids });
  }

  unwatch(watcher: WallWatcher): void {
    this.watchers.delete(watcher);
  }

  private async renew(): Promise<void> {
    const sids = new Set<string>();
    for (const w of this.watchers) for (const sid of w.sids) sids.add(sid);
    if (sids.size > 0) await this.publish({ sids: [...sids], fresh: [] });
  }

  private async publish(message: WatchMessage): Promise<void> {
    try {
      await this.store.publish(WALL_WATCH_CHANNEL, message);
    } catch (err) {
      this.log.warn({ err }, 'wall watch not published; the session store is unreachable');
    }
  }

  private onThumb(message: unknown): void {
    if (this.watchers.size === 0) return;
    const parsed = thumbnail.safeParse(message);
    if (!parsed.success) {
      this.log.warn({ issues: parsed.error.issues.slice(0, 3) }, 'dropped a malformed wall thumbnail');
      return;
    }
    for (const w of this.watchers) if (w.sids.has(parsed.data.sid)) w.thumb(parsed.data);
  }
}
