import { describe, expect, it } from 'vitest';
import { bellLabel, whenTold } from './notification-text';

describe('notification wording', () => {
  it('names the unread count in the bell label', () => {
    expect(bellLabel(0)).toBe('Notifications, none unread');
    expect(bellLabel(3)).toBe('Notifications, 3 unread');
  });

  it('shows only the time for today and the date too for an earlier day', () => {
    const now = new Date(2026, 11, 7, 15, 0);
    expect(whenTold(new Date(2026, 11, 7, 9, 5).toISOString(), now)).not.toContain(new Date(2026, 11, 7).toLocaleDateString());
    expect(whenTold(new Date(2026, 11, 6, 9, 5).toISOString(), now)).toContain(new Date(2026, 11, 6).toLocaleDateString());
  });
});
