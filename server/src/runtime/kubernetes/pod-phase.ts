/**
 * What a lab Pod's state means for the instance (LabRuntime phases). Pure, so every case is unit-tested.
 *
 * - no Pod: 'stopped' when the storage (PVC) is still there, 'absent' when it is not;
 * - a Pod being deleted: 'stopped' (stop was called; the kubelet is ending the containers), with the reason
 *   when Kubernetes itself evicts it (its node unreachable for too long);
 * - Pending: 'pending', except when a container cannot start for a reason that will not fix itself
 *   (bad image, bad config, crash loop): then 'failed' with that reason;
 * - Running: 'running', or 'failed' when a container is crash-looping, or while the pod's node has stopped
 *   reporting (the node controller marks the pod not ready while its containers were last seen ready);
 * - Succeeded / Failed / Unknown: 'failed' (restartPolicy Always means a healthy lab never ends).
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { InstanceStatus } from '../lab-runtime';

const HOPELESS_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError', 'CreateContainerError', 'CrashLoopBackOff']);

export function podPhase(pod: V1Pod | null, storageExists: boolean): InstanceStatus {
  if (pod === null) return { phase: storageExists ? 'stopped' : 'absent' };
  if (pod.metadata?.deletionTimestamp) {
    const disruption = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
    return disruption?.message ? { phase: 'stopped', reason: disruption.message } : { phase: 'stopped' };
  }
  const hopeless = hopelessContainer(pod);
  switch (pod.status?.phase) {
    case 'Running': {
      if (hopeless) return { phase: 'failed', reason: hopeless };
      const silent = silentNode(pod);
      return silent ? { phase: 'failed', reason: silent } : { phase: 'running' };
    }
    case 'Pending':
    case undefined:
      if (hopeless) return { phase: 'failed', reason: hopeless };
      return withReason('pending', pendingReason(pod));
    case 'Succeeded':
      return { phase: 'failed', reason: 'the lab containers exited' };
    default: {
      const { phase, reason, message } = pod.status ?? {};
      return withReason('failed', [reason, message].filter(Boolean).join(': ') || `pod phase ${phase}`);
    }
  }
}

function withReason(phase: 'pending' | 'failed', reason: string | undefined): InstanceStatus {
  return reason ? { phase, reason } : { phase };
}

function hopelessContainer(pod: V1Pod): string | undefined {
  for (const c of pod.status?.containerStatuses ?? []) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && HOPELESS_WAITING.has(waiting.reason)) {
      return `container ${c.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
    }
  }
  return undefined;
}

/**
 * The kubelet marks a pod not ready together with the container that is not; only the node controller
 * marks it not ready behind containers last seen ready, when the node stops reporting.
 */
function silentNode(pod: V1Pod): string | undefined {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const containers = pod.status?.containerStatuses ?? [];
  if (ready?.status !== 'False' || containers.length === 0 || !containers.every((c) => c.ready)) return undefined;
  return `the node running this lab (${pod.spec?.nodeName ?? 'unknown'}) has stopped reporting; the lab cannot be reached until it is back`;
}

/** Why a pod is still pending, as the scheduler says it (e.g. an unbound PersistentVolumeClaim). */
function pendingReason(pod: V1Pod): string | undefined {
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  return scheduled?.status === 'False' ? scheduled.message ?? scheduled.reason : undefined;
}
