import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { heldInstances, LAB_OBJECTS_SELECTOR } from './inventory';
import type { KubernetesHandle } from './kube-handle';
import { INSTANCE_LABEL } from './manifests/labels';

const labelled = (name: string, id: string, extra: object = {}) => ({ metadata: { name, labels: { app: 'lab', [INSTANCE_LABEL]: id }, ...extra } });

describe('heldInstances', () => {
  it('groups lab objects by instance and rebuilds the handle from their names', () => {
    const a = randomUUID();
    const b = randomUUID();
    const held = heldInstances(
      {
        pods: [labelled('lab-x-sam-1234abcd', a)],
        services: [labelled('lab-x-sam-1234abcd-ssh', a)],
        networkPolicies: [labelled('lab-x-sam-1234abcd-policy', a)],
        pvcs: [labelled('lab-x-sam-1234abcd-storage', a), labelled('lab-y-ann-99999999-storage', b)],
      },
      'labs',
    );
    expect(held).toEqual([
      {
        instanceId: a,
        running: true,
        storage: true,
        handle: { runtime: 'kubernetes', instanceId: a, namespace: 'labs', pod: 'lab-x-sam-1234abcd', service: 'lab-x-sam-1234abcd-ssh', networkPolicy: 'lab-x-sam-1234abcd-policy', pvc: 'lab-x-sam-1234abcd-storage' },
      },
      {
        instanceId: b,
        running: false,
        storage: true,
        handle: { runtime: 'kubernetes', instanceId: b, namespace: 'labs', pod: 'lab-y-ann-99999999', service: null, networkPolicy: 'lab-y-ann-99999999-policy', pvc: 'lab-y-ann-99999999-storage' },
      },
    ]);
  });

  it('counts a NetworkPolicy left alone as running parts, and ignores what is being deleted or not an instance id', () => {
    const a = randomUUID();
    const held = heldInstances(
      {
        pods: [labelled('lab-gone', randomUUID(), { deletionTimestamp: new Date() }), labelled('lab-odd', 'not-a-uuid')],
        services: [],
        networkPolicies: [labelled('lab-x-sam-1234abcd-policy', a)],
        pvcs: [],
      },
      'labs',
    );
    expect(held.map((h) => [h.instanceId, h.running, h.storage, (h.handle as KubernetesHandle).pod])).toEqual([[a, true, false, 'lab-x-sam-1234abcd']]);
  });

  it('selects what instanceLabels puts on every lab object', () => {
    expect(LAB_OBJECTS_SELECTOR).toBe('app=lab,app.kubernetes.io/managed-by=autolabs');
  });
});
