import { describe, expect, it } from 'vitest';
import { instanceNames } from '../names';
import { startRequest } from '../testing/lab-request';
import { instanceLabels } from './labels';
import { makePvc } from './pvc';

describe('makePvc', () => {
  it('asks for storage.size, ReadWriteOnce, in the default storage class', () => {
    const req = startRequest({}, { storage: { size: '5Gi', mountPath: '/home/student' } });
    const names = instanceNames(req);
    expect(makePvc(req, names, 'labs')).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: names.pvc, namespace: 'labs', labels: instanceLabels(req) },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
    });
  });

  it('names a storage class when one is configured', () => {
    const req = startRequest();
    expect(makePvc(req, instanceNames(req), 'labs', 'local-path').spec?.storageClassName).toBe('local-path');
  });
});
