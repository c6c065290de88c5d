/**
 * What the touch key bar sends. Kept pure so the sticky-Ctrl rule is testable: with Ctrl armed, the next
 * typed character becomes its control code (Ctrl+C -> 0x03), exactly as a hardware Ctrl would.
 */
export type BarKey = 'Esc' | 'Tab' | 'Up' | 'Down' | 'Left' | 'Right';

export function barKeySequence(key: BarKey, applicationCursor: boolean): string {
  const csi = applicationCursor ? '\x1bO' : '\x1b[';
  switch (key) {
    case 'Esc':
      return '\x1b';
    case 'Tab':
      return '\t';
    case 'Up':
      return `${csi}A`;
    case 'Down':
      return `${csi}B`;
    case 'Right':
      return `${csi}C`;
    case 'Left':
      return `${csi}D`;
  }
}

/** Applies an armed Ctrl to typed data; returns null when the data has no control form (sent as is). */
export function applyCtrl(data: string): string | null {
  if (data.length !== 1) return null;
  const upper = data.toUpperCase().charCodeAt(0);
  // '@' (0x40) .. '_' (0x5f) map to 0x00 .. 0x1f; '?' is DEL.
  if (upper >= 0x40 && upper <= 0x5f) return String.fromCharCode(upper & 0x1f);
  if (data === '?') return '\x7f';
  if (data === ' ') return '\x00';
  return null;
}
