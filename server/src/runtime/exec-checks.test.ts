import { describe, expect, it } from 'vitest';
import { checkExecCommand, checkRunning, execContainer } from './exec-checks';

describe('exec checks', () => {
  it('refuses an empty command with BAD_INPUT on command and lets one word through', () => {
    expect(() => checkExecCommand([])).toThrow(expect.objectContaining({ code: 'BAD_INPUT', field: 'command' }));
    expect(() => checkExecCommand(['true'])).not.toThrow();
  });

  it('finds the named container, or refuses with BAD_INPUT on container naming it', () => {
    const containers = [{ name: 'terminal' }, { name: 'db' }];
    expect(execContainer(containers, 'db')).toBe(containers[1]);
    expect(() => execContainer(containers, 'web')).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT', field: 'container', message: 'the lab has no container named web' }),
    );
  });

  it('refuses an instance that is not running with CONFLICT on instanceId, giving the status reason', () => {
    expect(() => checkRunning({ phase: 'running' })).not.toThrow();
    expect(() => checkRunning({ phase: 'stopped' })).toThrow(expect.objectContaining({ code: 'CONFLICT', field: 'instanceId', message: 'instance is stopped, not running' }));
    expect(() => checkRunning({ phase: 'failed', reason: 'container db: CrashLoopBackOff' })).toThrow(
      expect.objectContaining({ message: 'instance is failed, not running: container db: CrashLoopBackOff' }),
    );
  });
});
