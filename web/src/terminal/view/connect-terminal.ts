/**
 * Connects an xterm to a TerminalSocket (which knows nothing about xterm): output is written with xterm's
 * callback, so credit goes back only for bytes the terminal processed; a snapshot resets the screen; a
 * viewer's terminal takes the session's size; what the user types goes out, after the key bar's sticky Ctrl.
 */
import type { ServerControlMessage } from '@autolabs/gateway/protocol/wire';
import { TerminalSocket, type TerminalStatus, type TicketGrant } from '../transport/terminal-socket';
import { newSocketWorker, workerSocketFactory } from '../transport/worker-socket';
import type { BuiltTerminal } from './create-terminal';
import { applyCtrl } from './key-input';

export interface TerminalConnection {
  getTicket: () => Promise<TicketGrant>;
  isFatalTicketError: (e: unknown) => boolean;
  status: (status: TerminalStatus) => void;
  control: (message: ServerControlMessage) => void;
  /** Called when control is granted: the window's size is proposed at once. */
  reportSize: () => void;
  /** The key bar's sticky Ctrl: whether it applies to the next key, and its release. */
  ctrl: { armed(): boolean; release(): void };
}

export function connectTerminal({ term }: BuiltTerminal, c: TerminalConnection): { socket: TerminalSocket; dispose(): void } {
  const socket = new TerminalSocket(
    {
      output: (payload, done) => term.write(payload, done),
      snapshot: (payload, done) => {
        term.reset();
        term.write(payload, done);
      },
      status: (s) => {
        term.options.disableStdin = s.readOnly || s.state !== 'live';
        if (s.mode === 'control') c.reportSize();
        c.status(s);
      },
      control: (m) => {
        const followsOwner = socket.status.mode !== 'owner';
        if (followsOwner && (m.type === 'welcome' || m.type === 'size' || m.type === 'resync')) term.resize(m.cols, m.rows);
        c.control(m);
      },
    },
    {
      getTicket: c.getTicket,
      isFatalTicketError: c.isFatalTicketError,
      size: { cols: term.cols, rows: term.rows },
      // The socket on a thread of its own, so a flood reaches xterm as fast as it can draw (worker-socket.ts).
      createSocket: workerSocketFactory(newSocketWorker),
    },
  );

  const onData = term.onData((data) => {
    if (c.ctrl.armed()) {
      c.ctrl.release();
      const ctrl = applyCtrl(data);
      if (ctrl !== null) data = ctrl;
    }
    socket.sendInput(data);
  });
  const onBinary = term.onBinary((data) => socket.sendInput(Uint8Array.from(data, (ch) => ch.charCodeAt(0) & 0xff)));

  return {
    socket,
    dispose() {
      onData.dispose();
      onBinary.dispose();
      socket.close();
    },
  };
}
