/**
 * Messages between the screen mirrors on the main thread and the screen worker that parses for them.
 * One worker serves many sessions; every message names its mirror by `id`. A port delivers messages in
 * order, so a snapshot request answers for exactly the writes posted before it.
 */

export type ToScreenWorker =
  | { type: 'open'; id: number; cols: number; rows: number; scrollback: number }
  /** Output to parse (older than the mirror's tail, or the tail itself before a resize). */
  | { type: 'write'; id: number; data: Uint8Array }
  | { type: 'resize'; id: number; cols: number; rows: number }
  /** Parse `data` (the tail, ending with frame `seq`), then answer with the screen. */
  | { type: 'snapshot'; id: number; request: number; scrollback: number; seq: number; data: Uint8Array }
  /** Parse `data` as for a snapshot, then answer with the visible screen as plain text (a class wall thumbnail). */
  | { type: 'text'; id: number; request: number; maxCols: number; maxRows: number; seq: number; data: Uint8Array }
  | { type: 'dispose'; id: number };

export type FromScreenWorker =
  /** `bytes` of this mirror's output are parsed (returns backlog). */
  | { type: 'parsed'; id: number; bytes: number }
  /** The screen after frame `seq`; `bytes` of posted output were parsed for it. */
  | { type: 'snapshot'; id: number; request: number; seq: number; data: string; cols: number; rows: number; bytes: number }
  /** The visible screen after frame `seq` as text lines (trailing blanks trimmed) and the cursor. */
  | { type: 'text'; id: number; request: number; seq: number; lines: string[]; cols: number; rows: number; cursorX: number; cursorY: number; bytes: number };
