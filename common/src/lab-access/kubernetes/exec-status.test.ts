import { describe, expect, it } from 'vitest';
import { exitCodeOf } from './exec-status';

describe('exitCodeOf', () => {
  it('is 0 for a Success status', () => {
    expect(exitCodeOf({ status: 'Success', metadata: {} })).toBe(0);
  });

  it('reads the ExitCode cause a kubelet sends', () => {
    expect(
      exitCodeOf({
        status: 'Failure',
        reason: 'NonZeroExitCode',
        message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
        details: { causes: [{ reason: 'ExitCode', message: '3' }] },
      }),
    ).toBe(3);
  });

  it('reads "exit status N" from the message when there is no cause (KWOK)', () => {
    expect(exitCodeOf({ status: 'Failure', message: 'error executing command: exit status 7' })).toBe(7);
  });

  it('is null for a failure that carries no exit code (the command never ran)', () => {
    expect(exitCodeOf({ status: 'Failure', message: 'container not found ("nope")', reason: 'BadRequest' })).toBeNull();
  });
});
