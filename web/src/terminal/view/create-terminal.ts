/**
 * Builds an xterm with the addons every AutoLabs terminal uses. The WebGL renderer is much faster for
 * heavy output on a GPU, but not where WebGL is drawn in software (renderer-choice.ts), and a GPU can drop
 * its context (driver reset, too many contexts, headless browsers); on loss, or when WebGL is not
 * available at all, the terminal keeps working on the DOM renderer.
 */
import { Terminal, type ITerminalOptions } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { chooseRenderer, storedRendererPreference, storeRendererPreference, webglRendererName, type RendererPreference } from './renderer-choice';
import { stampStyleNonce } from './style-nonce';

export interface BuiltTerminal {
  term: Terminal;
  fit: FitAddon;
  search: SearchAddon;
  renderer: () => 'webgl' | 'dom';
  /** Why this renderer: the GPU's name, software GL, a stored choice, a lost context. */
  rendererWhy: () => string;
  /** Switches to the other renderer now, and keeps that choice for this browser's next terminals. */
  switchRenderer(): void;
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

export interface CreateTerminalOptions {
  readOnly: boolean;
  onRendererChange?: (renderer: 'webgl' | 'dom') => void;
  /** Default: what this browser stored (renderer-choice.ts), else `auto`. */
  renderer?: RendererPreference;
}

export function createTerminal(host: HTMLElement, opts: CreateTerminalOptions): BuiltTerminal {
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

  let webgl: WebglAddon | null = null;
  const renderer = (): 'webgl' | 'dom' => (webgl ? 'webgl' : 'dom');
  const choice = chooseRenderer(opts.renderer ?? storedRendererPreference(), () => webglRendererName(host.ownerDocument));
  let why = choice.why;
  const useDom = (reason: string) => {
    webgl?.dispose();
    webgl = null;
    why = reason;
    opts.onRendererChange?.('dom');
  };
  const useWebgl = (reason: string) => {
    try {
      const addon = new WebglAddon();
      addon.onContextLoss(() => useDom('the WebGL context was lost'));
      term.loadAddon(addon);
      webgl = addon;
      why = reason;
      opts.onRendererChange?.('webgl');
    } catch {
      useDom('WebGL is not available');
    }
  };
  if (choice.webgl) useWebgl(choice.why);

  return {
    term,
    fit,
    search,
    renderer,
    rendererWhy: () => why,
    switchRenderer() {
      const next = webgl ? 'dom' : 'webgl';
      storeRendererPreference(next);
      if (next === 'dom') useDom('chosen in this browser');
      else useWebgl('chosen in this browser');
    },
    dispose() {
      webgl?.dispose();
      term.dispose();
    },
  };
}
