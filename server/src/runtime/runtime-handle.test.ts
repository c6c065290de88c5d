import { describe, expect, it } from 'vitest';
import { isAppError } from '@autolabs/common/errors/app-error';
import { handleOf } from './runtime-handle';

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return isAppError(e) ? e.code : 'not an AppError';
  }
}

describe('handleOf', () => {
  it('gives the stored handle back with its runtime-specific fields', () => {
    const stored = { runtime: 'local', instanceId: 'i-1', uid: 70001 };
    expect(handleOf({ id: 'i-1', runtimeHandle: stored })).toEqual(stored);
  });

  it('says CONFLICT for an instance never started and INTERNAL for a damaged handle', () => {
    expect(codeOf(() => handleOf({ id: 'i-1', runtimeHandle: null }))).toBe('CONFLICT');
    expect(codeOf(() => handleOf({ id: 'i-1', runtimeHandle: { runtime: 'docker', instanceId: 'i-1' } }))).toBe('INTERNAL');
    expect(codeOf(() => handleOf({ id: 'i-1', runtimeHandle: 'i-1' }))).toBe('INTERNAL');
    expect(codeOf(() => handleOf({ id: 'i-1', runtimeHandle: { runtime: 'local' } }))).toBe('INTERNAL');
  });
});
