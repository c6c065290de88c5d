import { describe, expect, it } from 'vitest';
import { AppError } from '@autolabs/common/errors/app-error';
import { pollUntil } from './poll-until';

describe('pollUntil', () => {
  it('returns the first value the check gives', async () => {
    let calls = 0;
    await expect(pollUntil({ what: 'x', timeoutMs: 5_000, intervalMs: 1 }, async () => (++calls === 3 ? 'ready' : undefined))).resolves.toBe('ready');
    expect(calls).toBe(3);
  });

  it('fails at the deadline with RUNTIME_UNAVAILABLE naming the resource and what was last seen', async () => {
    await expect(
      pollUntil({ what: 'pod labs/lab-a to run', timeoutMs: 50, intervalMs: 10, lastSeen: () => 'pending: unbound PersistentVolumeClaim' }, async () => undefined),
    ).rejects.toMatchObject({
      code: 'RUNTIME_UNAVAILABLE',
      message: 'timed out after 50 ms waiting for pod labs/lab-a to run (last seen: pending: unbound PersistentVolumeClaim)',
    });
  });

  it('stops at once when the check throws', async () => {
    let calls = 0;
    const boom = new Error('pod failed');
    await expect(
      pollUntil({ what: 'x', timeoutMs: 5_000, intervalMs: 1 }, async () => {
        calls++;
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(calls).toBe(1);
  });

  it('keeps trying through transient failures (the apiserver restarting) and names the last one at the deadline', async () => {
    const unreachable = new AppError('RUNTIME_UNAVAILABLE', 'cannot reach the Kubernetes API server: connect ECONNREFUSED', { detail: { transient: true } });
    const told: string[] = [];
    let calls = 0;
    const onTransient = (e: AppError) => told.push(e.message);
    await expect(
      pollUntil({ what: 'x', timeoutMs: 5_000, intervalMs: 1, onTransient }, async () => {
        if (++calls < 3) throw unreachable;
        return 'back';
      }),
    ).resolves.toBe('back');
    expect(told).toEqual([unreachable.message, unreachable.message]);
    await expect(
      pollUntil({ what: 'pod labs/lab-a to run', timeoutMs: 30, intervalMs: 5, lastSeen: () => 'pending' }, async () => {
        throw unreachable;
      }),
    ).rejects.toMatchObject({ code: 'RUNTIME_UNAVAILABLE', message: `timed out after 30 ms waiting for pod labs/lab-a to run (last seen: ${unreachable.message})` });
  });
});
