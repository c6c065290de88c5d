/**
 * The runtime handle an instance row keeps (`lab_instance.runtime_handle`, JSON written by the start step),
 * read back in one place and checked before any runtime is handed it.
 */
import { z } from 'zod';
import { AppError } from '@autolabs/common/errors/app-error';
import type { RuntimeHandle } from './lab-runtime';

const storedHandle = z.looseObject({ runtime: z.enum(['local', 'kubernetes']), instanceId: z.string().min(1) });

/** CONFLICT when the instance was never started; INTERNAL (details for the log) when the stored JSON is damaged. */
export function handleOf(instance: { id: string; runtimeHandle: unknown }): RuntimeHandle {
  if (instance.runtimeHandle === null || instance.runtimeHandle === undefined) {
    throw new AppError('CONFLICT', `instance ${instance.id} has not been started`, { field: 'instanceId' });
  }
  const parsed = storedHandle.safeParse(instance.runtimeHandle);
  if (!parsed.success) {
    throw new AppError('INTERNAL', `the runtime handle stored for instance ${instance.id} is damaged`, { detail: { issues: parsed.error.issues } });
  }
  return parsed.data;
}
