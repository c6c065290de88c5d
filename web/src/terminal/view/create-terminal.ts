/**
 * Builds an xterm with the addons every AutoLabs terminal uses. The WebGL renderer is much faster for
 * heavy output, but a GPU can drop its context (driver reset, too many contexts, headless browsers); on
 * loss, or when WebGL is not available at all, the terminal keeps working on the DOM renderer.
 */
import { Terminal, type ITerminalOptions } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { stampStyleNonce } from './style-nonce';

export interface BuiltTerminal {
  term: Terminal;
  fit: FitAddon;
  search: SearchAddon;
  renderer: () => 'webgl' | 'dom';
  dispose(): void;
}

const THEME: ITerminalOptions['theme'] = {
  background: '#0f1419',
  foreground: '#d8dee9',
  cursor: '#5b9bff',
  selectionBackground: '#2f6feb66',
  black: '#1c2330',
  brightBlack: '#5d6778',
};

export function createTerminal(host: HTMLElement, opts: { readOnly: boolean; onRendererChange?: (renderer: 'webgl' | 'dom') => void }): BuiltTerminal {
  stampStyleNonce(host.ownerDocument);
  const term = new Terminal({
    cursorBlink: true,
    fontFamily: "'DejaVu Sans Mono', ui-monospace, Menlo, Consolas, monospace",
    fontSize: 14,
    scrollback: 5000,
    disableStdin: opts.readOnly,
    allowProposedApi: true,
    theme: THEME,
  });
  const fit = new FitAddon();
  const search = new SearchAddon();
  term.loadAddon(fit);
  term.loadAddon(search);
  term.loadAddon(new WebLinksAddon((_event, uri) => window.open(uri, '_blank', 'noopener,noreferrer')));
  term.open(host);

  let renderer: 'webgl' | 'dom' = 'dom';
  let webgl: WebglAddon | null = null;
  try {
    webgl = new WebglAddon();
    webgl.onContextLoss(() => {
      webgl?.dispose();
      webgl = null;
      renderer = 'dom';
      opts.onRendererChange?.('dom');
    });
    term.loadAddon(webgl);
    renderer = 'webgl';
  } catch {
    webgl = null;
  }

  return {
    term,
    fit,
    search,
    renderer: () => renderer,
    dispose() {
      webgl?.dispose();
      term.dispose();
    },
  };
}
