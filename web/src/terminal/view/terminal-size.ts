/**
 * Whose size the terminal has (docs/terminal-protocol.md, "Whose size"): the owner's terminal fits its
 * frame and tells the gateway; a viewer follows the session's size, and one granted control only proposes
 * the size its frame would fit, which the gateway applies once it types.
 */
import type { TerminalSocket } from '../transport/terminal-socket';
import type { BuiltTerminal } from './create-terminal';

/** Tells the gateway this window's size: an owner fits its frame, a viewer with control only proposes. */
export function reportSize({ term, fit }: BuiltTerminal, socket: TerminalSocket | null, viewer: boolean): void {
  if (!socket) return;
  const mode = socket.status.mode;
  if (mode === 'owner' || (!viewer && mode === null)) {
    fit.fit();
    socket.resize(term.cols, term.rows);
  } else if (mode === 'control') {
    const fits = fit.proposeDimensions();
    if (fits) socket.resize(fits.cols, fits.rows);
  }
}

/** Calls `report` on the animation frame after the frame's size changed (once per frame); returns the stop. */
export function watchFrameSize(host: HTMLElement, report: () => void): () => void {
  let frame = 0;
  const observer = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(report);
  });
  observer.observe(host);
  return () => {
    observer.disconnect();
    cancelAnimationFrame(frame);
  };
}
