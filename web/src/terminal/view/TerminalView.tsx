/**
 * The terminal on screen: owns xterm and its addons and connects them to a TerminalSocket (which knows
 * nothing about xterm). Output is written with xterm's callback so credit goes back only for bytes the
 * terminal processed; the owner's terminal fits its frame and reports its size, a viewer's terminal
 * follows the session's size instead. A viewer granted control reports the size its frame would fit, which
 * the gateway applies once it types (the typing window's size wins, as in tmux).
 */
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import type { ServerControlMessage } from '@autolabs/gateway/protocol/wire';
import { TerminalSocket, type TerminalStatus, type TicketGrant } from '../transport/terminal-socket';
import { createTerminal, type BuiltTerminal } from './create-terminal';
import { applyCtrl, barKeySequence, type BarKey } from './key-input';
import { KeyBar } from './KeyBar';
import { SearchBox } from './SearchBox';
import { TerminalOverlay } from './TerminalOverlay';
import { TerminalStatusBar } from './TerminalStatusBar';
import { bufferText } from './buffer-text';
import { copyText } from './clipboard';
import { exposeTestHooks } from './test-hooks';

export interface TerminalViewProps {
  getTicket: () => Promise<TicketGrant>;
  isFatalTicketError?: (e: unknown) => boolean;
  /** Attached as a viewer (shadowing): starts read-only and follows the owner's size. */
  viewer?: boolean;
  onStatus?: (status: TerminalStatus) => void;
  onControl?: (message: ServerControlMessage) => void;
  /** The socket, for page actions (grant/revoke/request control); null after unmount. */
  onSocket?: (socket: TerminalSocket | null) => void;
}

export function TerminalView(props: TerminalViewProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const propsRef = useRef(props);
  propsRef.current = props;
  const builtRef = useRef<BuiltTerminal | null>(null);
  const socketRef = useRef<TerminalSocket | null>(null);
  const ctrlArmedRef = useRef(false);
  const [ctrlArmed, setCtrlArmed] = useState(false);
  const [status, setStatus] = useState<TerminalStatus | null>(null);
  const [searchOpen, setSearchOpen] = useState(false);
  const [renderer, setRenderer] = useState<'webgl' | 'dom'>('dom');
  const viewer = Boolean(props.viewer);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const built = createTerminal(host, { readOnly: viewer, onRendererChange: setRenderer });
    builtRef.current = built;
    const { term, fit } = built;
    setRenderer(built.renderer());
    if (!viewer) fit.fit();

    /** Tells the gateway this window's size: an owner fits its frame, a viewer with control only proposes. */
    const reportSize = () => {
      const socket = socketRef.current;
      if (!socket) return;
      const mode = socket.status.mode;
      if (mode === 'owner' || (!viewer && mode === null)) {
        fit.fit();
        socket.resize(term.cols, term.rows);
      } else if (mode === 'control') {
        const fits = fit.proposeDimensions();
        if (fits) socket.resize(fits.cols, fits.rows);
      }
    };

    const armCtrl = (armed: boolean) => {
      ctrlArmedRef.current = armed;
      setCtrlArmed(armed);
    };

    const socket = new TerminalSocket(
      {
        output: (payload, done) => term.write(payload, done),
        snapshot: (payload, done) => {
          term.reset();
          term.write(payload, done);
        },
        status: (s) => {
          term.options.disableStdin = s.readOnly || s.state !== 'live';
          if (s.mode === 'control') reportSize();
          setStatus(s);
          setRenderer(built.renderer());
          propsRef.current.onStatus?.(s);
        },
        control: (m) => {
          const followsOwner = socketRef.current?.status.mode !== 'owner';
          if (followsOwner && (m.type === 'welcome' || m.type === 'size' || m.type === 'resync')) term.resize(m.cols, m.rows);
          propsRef.current.onControl?.(m);
        },
      },
      {
        getTicket: () => propsRef.current.getTicket(),
        isFatalTicketError: (e) => propsRef.current.isFatalTicketError?.(e) ?? false,
        size: { cols: term.cols, rows: term.rows },
      },
    );
    socketRef.current = socket;
    propsRef.current.onSocket?.(socket);

    const onData = term.onData((data) => {
      if (ctrlArmedRef.current) {
        armCtrl(false);
        const ctrl = applyCtrl(data);
        if (ctrl !== null) data = ctrl;
      }
      socket.sendInput(data);
    });
    const onBinary = term.onBinary((data) => socket.sendInput(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));

    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown') return true;
      const selection = term.getSelection();
      if (e.ctrlKey && e.shiftKey && e.code === 'KeyC') {
        if (selection) void copyText(selection);
        return false;
      }
      // Ctrl+V and Ctrl+Shift+V paste, as in common web terminals: the browser turns them into a paste
      // event, which xterm turns into input (bracketed when the program asked). A literal ^V is the key
      // bar's sticky Ctrl, then v.
      if (e.ctrlKey && !e.altKey && !e.metaKey && e.code === 'KeyV') return false;
      if (e.ctrlKey && e.shiftKey && e.code === 'KeyF') {
        setSearchOpen(true);
        return false;
      }
      // With text selected, Ctrl+C copies it (as in desktop terminals) instead of interrupting.
      if (e.ctrlKey && !e.shiftKey && e.code === 'KeyC' && selection) {
        void copyText(selection);
        term.clearSelection();
        return false;
      }
      return true;
    });

    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(reportSize);
    });
    observer.observe(host);

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
      observer.disconnect();
      cancelAnimationFrame(frame);
      onData.dispose();
      onBinary.dispose();
      socket.close();
      socketRef.current = null;
      propsRef.current.onSocket?.(null);
      built.dispose();
      builtRef.current = null;
    };
  }, [viewer]);

  const sendBarKey = (key: BarKey) => {
    const term = builtRef.current?.term;
    if (!term) return;
    socketRef.current?.sendInput(barKeySequence(key, term.modes.applicationCursorKeysMode));
    term.focus();
  };

  const pasteFromClipboard = async () => {
    const term = builtRef.current?.term;
    if (!term || !navigator.clipboard?.readText) return;
    const text = await navigator.clipboard.readText().catch(() => '');
    if (text) term.paste(text);
    term.focus();
  };

  const canType = status?.state === 'live' && !status.readOnly;

  return (
    <div className="term-page">
      <TerminalStatusBar status={status} renderer={renderer} onSearch={() => setSearchOpen((open) => !open)} />
      {searchOpen && builtRef.current ? (
        <SearchBox search={builtRef.current.search} onClose={() => { setSearchOpen(false); builtRef.current?.term.focus(); }} />
      ) : null}
      <div className="term-frame">
        {/* xterm's element is only as tall as its rows: a viewer following a smaller owner (a phone) leaves
            the rest of the frame empty, and a click there must focus the terminal as a click on it does. */}
        <div
          className="term-host"
          ref={hostRef}
          data-testid="terminal"
          onMouseDown={(e) => {
            if (e.target !== e.currentTarget) return;
            e.preventDefault();
            builtRef.current?.term.focus();
          }}
        />
        <TerminalOverlay status={status} onRetry={() => socketRef.current?.reconnect()} />
      </div>
      {viewer && !canType ? null : (
        <KeyBar
          ctrlArmed={ctrlArmed}
          disabled={!canType}
          onToggleCtrl={() => {
            ctrlArmedRef.current = !ctrlArmedRef.current;
            setCtrlArmed(ctrlArmedRef.current);
            builtRef.current?.term.focus();
          }}
          onKey={sendBarKey}
          onPaste={() => void pasteFromClipboard()}
        />
      )}
    </div>
  );
}
