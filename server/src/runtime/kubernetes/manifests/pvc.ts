/** The instance's persistent storage (seed 4.5.4): storage.size, ReadWriteOnce, the cluster's default class. Pure. */
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { StartRequest } from '../../lab-runtime';
import type { InstanceNames } from '../names';
import { instanceLabels } from './labels';

export function makePvc(req: StartRequest, names: InstanceNames, namespace: string, storageClassName?: string): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: names.pvc, namespace, labels: instanceLabels(req) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: req.config.spec.storage.size } },
      ...(storageClassName === undefined ? {} : { storageClassName }),
    },
  };
}
