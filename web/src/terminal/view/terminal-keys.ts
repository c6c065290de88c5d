/**
 * The keys the terminal answers itself before xterm turns them into input: copy, paste and find, as in
 * desktop terminals, while every other key (Ctrl+C without a selection among them) goes to the shell.
 */
import type { Terminal } from '@xterm/xterm';
import { copyText } from './clipboard';

export function attachTerminalKeys(term: Terminal, openSearch: () => void): void {
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
      openSearch();
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
}
