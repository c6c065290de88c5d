/**
 * Messages between the screen mirrors on the main thread and the screen worker that parses for them.
 * One worker serves many sessions; every message names its mirror by `id`. A port delivers messages in
 * order, so a snapshot request answers for exactly the writes posted before it.
 */

export type ToScreenWorker =
  | { type: 'open'; id: number; cols: number; rows: number; scrollback: number }
  /** `data` is a batch of one or more output frames; `seq` is the last of them. */
  | { type: 'write'; id: number; seq: number; data: Uint8Array }
  | { type: 'resize'; id: number; cols: number; rows: number }
  | { type: 'snapshot'; id: number; request: number; scrollback: number }
  | { type: 'dispose'; id: number };

export type FromScreenWorker =
  /** `bytes` of this mirror's output are parsed (returns backlog). */
  | { type: 'parsed'; id: number; bytes: number }
  | { type: 'snapshot'; id: number; request: number; seq: number; data: string; cols: number; rows: number };
