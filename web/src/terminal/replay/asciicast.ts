/**
 * Reads an asciicast v2 recording (https://docs.asciinema.org/manual/asciicast/v2/): a JSON header line,
 * then `[seconds, code, data]` lines. Recordings are stored in chunks, each starting with its own header,
 * so header lines after the first are skipped; a malformed line is reported with its line number.
 */
export interface CastHeader {
  version: 2;
  width: number;
  height: number;
  timestamp?: number;
}

export interface CastEvent {
  /** Milliseconds since the start of the recording. */
  at: number;
  code: 'o' | 'i' | 'r' | 'm' | string;
  data: string;
}

export interface Cast {
  header: CastHeader;
  events: CastEvent[];
  durationMs: number;
}

export class CastFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export function parseCast(text: string): Cast {
  const lines = text.split('\n');
  let header: CastHeader | null = null;
  const events: CastEvent[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new CastFormatError(i + 1, 'not JSON');
    }
    if (Array.isArray(value)) {
      if (!header) throw new CastFormatError(i + 1, 'event before the header');
      const [seconds, code, data] = value as unknown[];
      if (typeof seconds !== 'number' || typeof code !== 'string' || typeof data !== 'string') {
        throw new CastFormatError(i + 1, 'event must be [seconds, code, data]');
      }
      events.push({ at: Math.round(seconds * 1000), code, data });
    } else if (typeof value === 'object' && value !== null) {
      const h = value as Partial<CastHeader>;
      if (header) continue;
      if (h.version !== 2) throw new CastFormatError(i + 1, 'only asciicast version 2 is supported');
      if (typeof h.width !== 'number' || typeof h.height !== 'number') throw new CastFormatError(i + 1, 'header needs width and height');
      header = { version: 2, width: h.width, height: h.height, timestamp: h.timestamp };
    } else {
      throw new CastFormatError(i + 1, 'expected a header object or an event array');
    }
  }
  if (!header) throw new CastFormatError(1, 'recording has no header');
  // Chunks are appended in order, but guard against clock steps: playback needs non-decreasing time.
  for (let i = 1; i < events.length; i++) if (events[i].at < events[i - 1].at) events[i].at = events[i - 1].at;
  return { header, events, durationMs: events.length ? events[events.length - 1].at : 0 };
}
