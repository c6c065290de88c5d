import { describe, expect, it } from 'vitest';
import { extendExpiry, extensionLimit } from './time-extension';

const t = (iso: string) => new Date(`2026-12-07T${iso}:00.000Z`);
const HOUR = 3_600_000;

describe('time extension', () => {
  it('allows a lab up to its start plus twice its ttl', () => {
    expect(extensionLimit(t('10:00'), 2 * HOUR)).toEqual(t('14:00'));
  });

  it('extends from the current expiry, or from now once that has passed', () => {
    expect(extendExpiry(t('12:00'), 30, t('14:00'), t('11:50'))).toEqual({ ok: true, expiresAt: t('12:30') });
    expect(extendExpiry(t('12:00'), 30, t('14:00'), t('12:10'))).toEqual({ ok: true, expiresAt: t('12:40') });
    expect(extendExpiry(null, 15, t('14:00'), t('12:00'))).toEqual({ ok: true, expiresAt: t('12:15') });
  });

  it('refuses past the limit and says how many minutes would still fit', () => {
    expect(extendExpiry(t('13:30'), 30, t('14:00'), t('13:00'))).toEqual({ ok: true, expiresAt: t('14:00') });
    expect(extendExpiry(t('13:30'), 45, t('14:00'), t('13:00'))).toEqual({ ok: false, limit: t('14:00'), maxMinutes: 30 });
    expect(extendExpiry(t('14:00'), 1, t('14:00'), t('13:00'))).toEqual({ ok: false, limit: t('14:00'), maxMinutes: 0 });
  });
});
