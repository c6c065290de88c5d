/**
 * asciicast v2 lines (https://docs.asciinema.org/manual/asciicast/v2/): a JSON header, then one JSON
 * array per event, `[seconds since start, code, data]`, newline-delimited. Pure so tests compare exactly.
 */
import type { TerminalSize } from '../backends/terminal-backend';

export function asciicastHeader(size: TerminalSize, startedAtMs: number): string {
  return `${JSON.stringify({
    version: 2,
    width: size.cols,
    height: size.rows,
    timestamp: Math.floor(startedAtMs / 1000),
    env: { TERM: 'xterm-256color' },
  })}\n`;
}

const seconds = (elapsedMs: number) => Math.max(0, Math.round(elapsedMs * 1000) / 1_000_000);

export function outputEvent(elapsedMs: number, text: string): string {
  return `${JSON.stringify([seconds(elapsedMs), 'o', text])}\n`;
}

export function resizeEvent(elapsedMs: number, size: TerminalSize): string {
  return `${JSON.stringify([seconds(elapsedMs), 'r', `${size.cols}x${size.rows}`])}\n`;
}

/** A marker (`m`); the recorder ends every recording with one, so the cast lasts as long as the recording did. */
export function markerEvent(elapsedMs: number, label: string): string {
  return `${JSON.stringify([seconds(elapsedMs), 'm', label])}\n`;
}

/** Object key of chunk `n`; zero-padded so a plain sorted listing is the playback order. */
export function chunkKey(sessionId: string, startedAtMs: number, n: number): string {
  return `${recordingPrefix(sessionId, startedAtMs)}${String(n).padStart(6, '0')}.cast`;
}

export function recordingPrefix(sessionId: string, startedAtMs: number): string {
  return `${sessionId}/${startedAtMs}/`;
}
