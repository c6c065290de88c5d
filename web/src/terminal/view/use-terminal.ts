/**
 * The terminal's life on a page: builds xterm in the host element, connects it to the gateway, keeps its
 * size reported, answers its own keys, and takes it all down when the component goes (or turns from
 * owner to viewer). The view renders what it returns.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import type { ServerControlMessage } from '@autolabs/gateway/protocol/wire';
import type { TerminalSocket, TerminalStatus, TicketGrant } from '../transport/terminal-socket';
import { bufferText } from './buffer-text';
import { connectTerminal } from './connect-terminal';
import { createTerminal, type BuiltTerminal } from './create-terminal';
import { attachTerminalKeys } from './terminal-keys';
import { reportSize, watchFrameSize } from './terminal-size';
import { exposeTestHooks } from './test-hooks';

export interface TerminalOptions {
  getTicket: () => Promise<TicketGrant>;
  isFatalTicketError?: (e: unknown) => boolean;
  /** Attached as a viewer (shadowing): starts read-only and follows the owner's size. */
  viewer?: boolean;
  onStatus?: (status: TerminalStatus) => void;
  onControl?: (message: ServerControlMessage) => void;
  /** The socket, for page actions (grant/revoke/request control); null after unmount. */
  onSocket?: (socket: TerminalSocket | null) => void;
}

export interface TerminalParts {
  hostRef: RefObject<HTMLDivElement | null>;
  /** xterm and its addons while mounted. */
  built: () => BuiltTerminal | null;
  socket: () => TerminalSocket | null;
  status: TerminalStatus | null;
  renderer: 'webgl' | 'dom';
  /** Why that renderer (renderer-choice.ts), for the status bar. */
  rendererWhy: string;
  /** The other renderer, now and for this browser's next terminals. */
  switchRenderer: () => void;
  searchOpen: boolean;
  setSearchOpen: (open: boolean | ((open: boolean) => boolean)) => void;
  /** The key bar's sticky Ctrl: applies to the next key typed. */
  ctrlArmed: boolean;
  toggleCtrl: () => void;
}

export function useTerminal(options: TerminalOptions): TerminalParts {
  const hostRef = useRef<HTMLDivElement>(null);
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const builtRef = useRef<BuiltTerminal | null>(null);
  const socketRef = useRef<TerminalSocket | null>(null);
  const ctrlArmedRef = useRef(false);
  const [ctrlArmed, setCtrlArmed] = useState(false);
  const [status, setStatus] = useState<TerminalStatus | null>(null);
  const [searchOpen, setSearchOpen] = useState(false);
  const [renderer, setRendererState] = useState<{ kind: 'webgl' | 'dom'; why: string }>({ kind: 'dom', why: '' });
  const viewer = Boolean(options.viewer);

  const armCtrl = (armed: boolean) => {
    ctrlArmedRef.current = armed;
    setCtrlArmed(armed);
  };

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    let built: BuiltTerminal | null = null;
    const setRenderer = () => built && setRendererState({ kind: built.renderer(), why: built.rendererWhy() });
    built = createTerminal(host, { readOnly: viewer, onRendererChange: setRenderer });
    builtRef.current = built;
    const { term, fit } = built;
    setRenderer();
    if (!viewer) fit.fit();
    const report = () => reportSize(built, socketRef.current, viewer);

    const connection = connectTerminal(built, {
      getTicket: () => optionsRef.current.getTicket(),
      isFatalTicketError: (e) => optionsRef.current.isFatalTicketError?.(e) ?? false,
      status: (s) => {
        setStatus(s);
        optionsRef.current.onStatus?.(s);
      },
      control: (m) => optionsRef.current.onControl?.(m),
      reportSize: report,
      ctrl: { armed: () => ctrlArmedRef.current, release: () => armCtrl(false) },
    });
    const { socket } = connection;
    socketRef.current = socket;
    optionsRef.current.onSocket?.(socket);

    attachTerminalKeys(term, () => setSearchOpen(true));
    const stopWatching = watchFrameSize(host, report);
    const online = () => socket.reconnect();
    window.addEventListener('online', online);
    const removeHooks = exposeTestHooks({
      dropSocket: () => socket.dropConnection(),
      status: () => socket.status,
      renderer: () => built.renderer(),
      size: () => ({ cols: term.cols, rows: term.rows }),
      fits: () => {
        const fits = fit.proposeDimensions();
        return fits ? { cols: fits.cols, rows: fits.rows } : null;
      },
      terminalText: (tailLines) => bufferText(term, tailLines),
    });
    if (!viewer) term.focus();

    return () => {
      removeHooks();
      window.removeEventListener('online', online);
      stopWatching();
      connection.dispose();
      socketRef.current = null;
      optionsRef.current.onSocket?.(null);
      built.dispose();
      builtRef.current = null;
    };
  }, [viewer]);

  return {
    hostRef,
    built: () => builtRef.current,
    socket: () => socketRef.current,
    status,
    renderer: renderer.kind,
    rendererWhy: renderer.why,
    switchRenderer: () => builtRef.current?.switchRenderer(),
    searchOpen,
    setSearchOpen,
    ctrlArmed,
    toggleCtrl: () => armCtrl(!ctrlArmedRef.current),
  };
}
