import type { Terminal } from '@xterm/xterm';

/**
 * The terminal's buffer as plain text (scrollback included, or only the last `tailLines` lines, which
 * is cheap enough to poll every frame), trailing blank lines dropped.
 */
export function bufferText(term: Terminal, tailLines?: number): string {
  const buffer = term.buffer.active;
  const lines: string[] = [];
  const from = tailLines === undefined ? 0 : Math.max(0, buffer.length - tailLines);
  for (let i = from; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
  return lines.join('\n').replace(/\n+$/, '');
}
