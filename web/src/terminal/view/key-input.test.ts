import { describe, expect, it } from 'vitest';
import { applyCtrl, barKeySequence } from './key-input';

describe('applyCtrl', () => {
  it('turns letters of either case into their control codes', () => {
    expect(applyCtrl('c')).toBe('\x03');
    expect(applyCtrl('C')).toBe('\x03');
    expect(applyCtrl('d')).toBe('\x04');
    expect(applyCtrl('[')).toBe('\x1b');
  });
  it('leaves characters without a control form and multi-character input alone', () => {
    expect(applyCtrl('1')).toBeNull();
    expect(applyCtrl('ls')).toBeNull();
  });
});

describe('barKeySequence', () => {
  it('sends CSI arrows normally and SS3 arrows in application cursor mode', () => {
    expect(barKeySequence('Up', false)).toBe('\x1b[A');
    expect(barKeySequence('Up', true)).toBe('\x1bOA');
    expect(barKeySequence('Left', false)).toBe('\x1b[D');
  });
  it('sends Esc and Tab as their bytes', () => {
    expect(barKeySequence('Esc', false)).toBe('\x1b');
    expect(barKeySequence('Tab', true)).toBe('\t');
  });
});
