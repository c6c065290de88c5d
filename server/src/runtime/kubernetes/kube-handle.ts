/**
 * The runtime handle of a Kubernetes lab instance, as stored in lab_instances.runtime_handle: where its
 * objects live, by name. Names are derived from the instance (names.ts), but the handle records them so a
 * change of naming rules or LAB_NAMESPACE never orphans the objects of instances started before it.
 */
import { z } from 'zod';
import { AppError } from '@autolabs/common/errors/app-error';
import type { RuntimeHandle } from '../lab-runtime';

export interface KubernetesHandle extends RuntimeHandle {
  runtime: 'kubernetes';
  namespace: string;
  pod: string;
  /** The SSH NodePort Service; null when the lab offers no SSH. */
  service: string | null;
  networkPolicy: string;
  pvc: string;
  /** Terminal over SSH (the gateway's ssh2 backend): the pod's IP and its sshd's published host key. */
  podIP?: string;
  sshHostKey?: string;
}

const name = z.string().min(1).max(63);
const handleSchema = z.object({
  runtime: z.literal('kubernetes'),
  instanceId: z.string().min(1),
  namespace: name,
  pod: name,
  service: name.nullable(),
  networkPolicy: name,
  pvc: name,
  podIP: z.string().min(1).max(64).optional(),
  sshHostKey: z.string().min(1).max(200).optional(),
});

/** Checks a stored handle; throws AppError BAD_INPUT (field runtimeHandle) when it is not one of ours. */
export function kubernetesHandleOf(handle: RuntimeHandle): KubernetesHandle {
  const parsed = handleSchema.safeParse(handle);
  if (!parsed.success) {
    throw new AppError('BAD_INPUT', `not a Kubernetes runtime handle: ${parsed.error.issues[0]?.path.join('.') || 'runtime'} is invalid`, {
      field: 'runtimeHandle',
    });
  }
  return parsed.data;
}
