/**
 * A small handle on the mounted terminal for browser tests and support: drop the socket (to exercise
 * reconnects as a network failure would), read the terminal's text (the WebGL renderer draws into a
 * canvas, so the DOM does not hold it) and the connection status. It exposes nothing the user could not
 * already see or do on the page.
 */
import type { TerminalStatus } from '../transport/terminal-socket';

export interface TerminalTestHooks {
  dropSocket(): void;
  terminalText(tailLines?: number): string;
  status(): TerminalStatus;
  renderer(): 'webgl' | 'dom';
  /** The size xterm shows (columns x rows). */
  size(): { cols: number; rows: number };
  /** The size xterm's frame fits now (null before it is laid out): equal to size() once the terminal has refitted to it. */
  fits(): { cols: number; rows: number } | null;
}

/** The same for the recording player. */
export interface ReplayTestHooks {
  terminalText(): string;
  position(): number;
  playing(): boolean;
}

declare global {
  interface Window {
    __autolabs?: TerminalTestHooks;
    __autolabsReplay?: ReplayTestHooks;
  }
}

export function exposeReplayHooks(hooks: ReplayTestHooks): () => void {
  window.__autolabsReplay = hooks;
  return () => {
    if (window.__autolabsReplay === hooks) delete window.__autolabsReplay;
  };
}

export function exposeTestHooks(hooks: TerminalTestHooks): () => void {
  window.__autolabs = hooks;
  return () => {
    if (window.__autolabs === hooks) delete window.__autolabs;
  };
}
