import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

const policy = { baseMs: 100, maxMs: 1000, factor: 2 };

describe('backoffDelay', () => {
  it('doubles the step per attempt, between half the step and the full step', () => {
    expect(backoffDelay(0, policy, () => 0)).toBe(50);
    expect(backoffDelay(0, policy, () => 0.999999)).toBe(100);
    expect(backoffDelay(2, policy, () => 0)).toBe(200);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(300);
  });
  it('never exceeds the cap however many attempts failed', () => {
    expect(backoffDelay(30, policy, () => 0.999999)).toBe(1000);
    expect(backoffDelay(30, policy, () => 0)).toBe(500);
  });
  it('spreads clients apart: different random draws give different delays for the same attempt', () => {
    const delays = new Set([0.1, 0.4, 0.7, 0.9].map((r) => backoffDelay(3, policy, () => r)));
    expect(delays.size).toBe(4);
  });
});
