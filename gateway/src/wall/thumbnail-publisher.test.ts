import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import { ThumbnailPublisher, WALL_WATCH_CHANNEL, WATCH_TTL_MS } from './thumbnail-publisher';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('thumbnail publisher', () => {
  it('runs its interval only while some session is watched: from the first watch until the last lapses', async () => {
    const store = new MemorySessionStore();
    const publisher = new ThumbnailPublisher({ sessionStore: store, session: () => undefined, intervalMs: 10, log: pino({ level: 'silent' }) });
    await publisher.start();
    try {
      expect(publisher.ticking).toBe(false);
      await store.publish(WALL_WATCH_CHANNEL, { sids: ['s1'], fresh: [] });
      await vi.waitFor(() => expect(publisher.ticking).toBe(true));
      expect(publisher.watchedCount).toBe(1);
      // The watch is not renewed: once its time is past, the next tick drops it and the interval stops.
      const later = Date.now() + WATCH_TTL_MS + 1;
      vi.spyOn(Date, 'now').mockReturnValue(later);
      await vi.waitFor(() => expect(publisher.ticking).toBe(false));
      expect(publisher.watchedCount).toBe(0);
      // A new watch starts it again.
      await store.publish(WALL_WATCH_CHANNEL, { sids: ['s2'], fresh: [] });
      await vi.waitFor(() => expect(publisher.ticking).toBe(true));
    } finally {
      await publisher.close();
    }
    expect(publisher.ticking).toBe(false);
  });
});
