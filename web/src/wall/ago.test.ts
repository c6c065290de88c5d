import { describe, expect, it } from 'vitest';
import { ago } from './ago';

describe('ago', () => {
  const now = Date.parse('2026-12-07T10:00:00Z');
  it('says seconds, minutes or hours, never negative', () => {
    expect(ago('2026-12-07T09:59:48Z', now)).toBe('12 s ago');
    expect(ago('2026-12-07T09:57:01Z', now)).toBe('2 min ago');
    expect(ago('2026-12-07T07:30:00Z', now)).toBe('2 h ago');
    expect(ago('2026-12-07T10:00:05Z', now)).toBe('0 s ago');
  });
});
