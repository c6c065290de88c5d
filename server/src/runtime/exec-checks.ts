/**
 * What every runtime's `exec` (LabRuntime.exec) checks before it runs a command, in one place so that the
 * local and the Kubernetes runtime refuse the same input with the same code, field and words.
 */
import { AppError } from '@autolabs/common/errors/app-error';
import type { InstanceStatus } from './lab-runtime';

/** BAD_INPUT on `command` unless there is a program to run. */
export function checkExecCommand(command: readonly string[]): void {
  if (command.length === 0) throw new AppError('BAD_INPUT', 'command must have at least one word', { field: 'command' });
}

/** The lab's container named `name`; BAD_INPUT on `container` when it has none. */
export function execContainer<C extends { name: string }>(containers: readonly C[], name: string): C {
  const container = containers.find((c) => c.name === name);
  if (!container) throw new AppError('BAD_INPUT', `the lab has no container named ${name}`, { field: 'container' });
  return container;
}

/** CONFLICT on `instanceId`, with the status reason, unless the instance is running. */
export function checkRunning(status: InstanceStatus): void {
  if (status.phase !== 'running') {
    throw new AppError('CONFLICT', `instance is ${status.phase}, not running${status.reason ? `: ${status.reason}` : ''}`, { field: 'instanceId' });
  }
}
