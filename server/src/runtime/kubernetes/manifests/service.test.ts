import { describe, expect, it } from 'vitest';
import { instanceNames } from '../names';
import { startRequest } from '../testing/lab-request';
import { instanceLabels } from './labels';
import { makeSshService } from './service';

describe('makeSshService', () => {
  it('is null when no container offers ssh', () => {
    const req = startRequest();
    expect(makeSshService(req, instanceNames(req), 'labs')).toBeNull();
  });

  it('is a NodePort Service on port 22 selecting only this instance pod', () => {
    const req = startRequest({}, { containers: [{ name: 'shell', image: 'img', terminal: true, ssh: true }] });
    const names = instanceNames(req);
    expect(makeSshService(req, names, 'labs')).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: names.service, namespace: 'labs', labels: instanceLabels(req) },
      spec: {
        type: 'NodePort',
        selector: { app: 'lab', 'autolabs.io/instance': req.instanceId },
        ports: [{ name: 'ssh', protocol: 'TCP', port: 22, targetPort: 22 }],
      },
    });
  });
});
