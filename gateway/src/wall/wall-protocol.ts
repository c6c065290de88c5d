/**
 * The class wall's socket (issue 10): a teacher's browser watches the terminals of a deployment as
 * thumbnails, low-rate text snapshots of each screen from the gateway's screen mirror, never the output
 * stream. JSON text messages both ways:
 * - client -> gateway: `watch` with a wall ticket from the API (wall.get). The first one admits the socket;
 *   a later one (the page asks the API again as students come and go) replaces the set of sessions watched.
 * - gateway -> client: `watching` (the sessions now watched), then a `thumb` for a session whenever its
 *   screen changed, at most one per session per interval; `error` before a close.
 * Thumbnails cross gateway replicas through the session store (wall/thumbnail-publisher.ts, wall-hub.ts).
 */
import type { WireErrorCode } from '../protocol/wire';

export const GATEWAY_WALL_PATH = '/gateway/wall';

/** A thumbnail shows at most the screen's top left this big. */
export const THUMB_MAX_COLS = 160;
export const THUMB_MAX_ROWS = 60;
/** Default: each session's screen is looked at this often while a wall watches it. */
export const DEFAULT_THUMB_INTERVAL_MS = 2000;

export interface WallWatchMessage {
  type: 'watch';
  ticket: string;
}

export interface Thumbnail {
  sid: string;
  /** Seq of the last output frame shown. */
  seq: number;
  cols: number;
  rows: number;
  /** Visible rows as text, trailing blanks trimmed, at most THUMB_MAX_ROWS x THUMB_MAX_COLS. */
  lines: string[];
  cursorX: number;
  cursorY: number;
  /** When the gateway took it (ms since the epoch). */
  at: number;
}

export type WallServerMessage =
  | { type: 'watching'; sids: string[]; intervalMs: number }
  | ({ type: 'thumb' } & Thumbnail)
  | { type: 'error'; code: WireErrorCode; message: string; field?: string };

/** The first (or a later) client message: a watch with a ticket string, or null. */
export function parseWatch(text: string): WallWatchMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (m.type !== 'watch' || typeof m.ticket !== 'string' || m.ticket.length === 0 || m.ticket.length > 64 * 1024) return null;
  return { type: 'watch', ticket: m.ticket };
}
