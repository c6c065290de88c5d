/**
 * The terminal on screen: xterm (useTerminal: built, connected to a TerminalSocket, sized, taken down)
 * with the status bar, search, the overlay for connection states and the key bar for touch devices.
 */
import '@xterm/xterm/css/xterm.css';
import { barKeySequence, type BarKey } from './key-input';
import { KeyBar } from './KeyBar';
import { SearchBox } from './SearchBox';
import { TerminalOverlay } from './TerminalOverlay';
import { TerminalStatusBar } from './TerminalStatusBar';
import { useTerminal, type TerminalOptions } from './use-terminal';

export type TerminalViewProps = TerminalOptions;

export function TerminalView(props: TerminalViewProps) {
  const { hostRef, built, socket, status, renderer, rendererWhy, switchRenderer, searchOpen, setSearchOpen, ctrlArmed, toggleCtrl } = useTerminal(props);
  const viewer = Boolean(props.viewer);

  const sendBarKey = (key: BarKey) => {
    const term = built()?.term;
    if (!term) return;
    socket()?.sendInput(barKeySequence(key, term.modes.applicationCursorKeysMode));
    term.focus();
  };

  const pasteFromClipboard = async () => {
    const term = built()?.term;
    if (!term || !navigator.clipboard?.readText) return;
    const text = await navigator.clipboard.readText().catch(() => '');
    if (text) term.paste(text);
    term.focus();
  };

  const canType = status?.state === 'live' && !status.readOnly;
  const search = built()?.search;

  return (
    <div className="term-page">
      <TerminalStatusBar status={status} renderer={renderer} rendererWhy={rendererWhy} onSwitchRenderer={switchRenderer} onSearch={() => setSearchOpen((open) => !open)} />
      {searchOpen && search ? (
        <SearchBox search={search} onClose={() => { setSearchOpen(false); built()?.term.focus(); }} />
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
            built()?.term.focus();
          }}
        />
        <TerminalOverlay status={status} onRetry={() => socket()?.reconnect()} />
      </div>
      {viewer && !canType ? null : (
        <KeyBar
          ctrlArmed={ctrlArmed}
          disabled={!canType}
          onToggleCtrl={() => {
            toggleCtrl();
            built()?.term.focus();
          }}
          onKey={sendBarKey}
          onPaste={() => void pasteFromClipboard()}
        />
      )}
    </div>
  );
}
