/**
 * Labels every object of a lab instance carries. The seed's labels (app, lab_id, student_id, course_id,
 * deployment_mode) let operators select labs by lab, student or course; `autolabs.io/instance` is the
 * owner label: it selects exactly one instance's Pod, Service, NetworkPolicy and PVC, so they can be
 * listed and deleted together and a policy can never select another instance's pod.
 */
import type { StartRequest } from '../../lab-runtime';
import { instanceLabelValue, labelValue } from '../names';

export const INSTANCE_LABEL = 'autolabs.io/instance';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'autolabs' } as const;

/** Selects the pod of one instance (Service selector, NetworkPolicy podSelector). */
export function instanceSelector(instanceId: string): Record<string, string> {
  return { app: 'lab', [INSTANCE_LABEL]: instanceLabelValue(instanceId) };
}

export function instanceLabels(req: StartRequest): Record<string, string> {
  return {
    ...instanceSelector(req.instanceId),
    lab_id: labelValue(req.labKey),
    student_id: labelValue(req.ownerKey),
    ...(req.courseKey === undefined ? {} : { course_id: labelValue(req.courseKey) }),
    deployment_mode: req.config.spec.mode,
    ...MANAGED_BY,
  };
}
