import { describe, expect, it } from 'vitest';
import { expiryWarning, timeLeft } from './time-left';

const END = '2026-12-07T12:00:00.000Z';
const at = (iso: string) => Date.parse(`2026-12-07T${iso}Z`);

describe('time left', () => {
  it('counts down in hours, minutes and seconds', () => {
    expect(timeLeft(END, at('10:54:51'))).toEqual({ seconds: 3909, text: '1:05:09', warning: false, expired: false });
    expect(timeLeft(END, at('11:45:00')).text).toBe('15:00');
  });

  it('warns from ten minutes before the end', () => {
    expect(timeLeft(END, at('11:49:59')).warning).toBe(false);
    expect(timeLeft(END, at('11:50:00')).warning).toBe(true);
    expect(expiryWarning(timeLeft(END, at('11:50:30')))).toBe('Your lab stops in 10 minutes. Save your work, or ask your teacher for more time.');
    expect(expiryWarning(timeLeft(END, at('11:59:30')))).toMatch(/stops in 1 minute\./);
  });

  it('stops at zero once expired', () => {
    const left = timeLeft(END, at('12:00:05'));
    expect(left).toEqual({ seconds: 0, text: '0:00', warning: true, expired: true });
    expect(expiryWarning(left)).toMatch(/^Time is up/);
  });
});
