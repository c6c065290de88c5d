import { describe, expect, it } from 'vitest';
import { makeStoragePod, storagePodName } from './storage-pod';

const ID = '0b6f1e0c-8a7e-4c61-9b0e-2f6d1a0c9e11';
const TARGET = { instanceId: ID, pod: 'lab-linux-basics-u-alice-1a2b3c4d', pvc: 'lab-linux-basics-u-alice-1a2b3c4d-storage' };

describe('makeStoragePod', () => {
  it('builds an export pod: non-root, no capabilities, no token, the claim mounted read-only, ended by a deadline', () => {
    expect(makeStoragePod(TARGET, 'labs', 'export', { image: 'autolabs/base:bookworm', deadlineSeconds: 900 })).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'lab-linux-basics-u-alice-1a2b3c4d-export',
        namespace: 'labs',
        labels: { app: 'lab-storage', 'autolabs.io/instance': ID, 'autolabs.io/storage-transfer': 'export', 'app.kubernetes.io/managed-by': 'autolabs' },
      },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        restartPolicy: 'Never',
        activeDeadlineSeconds: 900,
        terminationGracePeriodSeconds: 0,
        securityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'storage',
            image: 'autolabs/base:bookworm',
            command: ['sleep', '900'],
            resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
            volumeMounts: [{ name: 'storage', mountPath: '/data', readOnly: true }],
          },
        ],
        volumes: [{ name: 'storage', persistentVolumeClaim: { claimName: TARGET.pvc, readOnly: true } }],
      },
    });
  });

  it('mounts the claim writable for an import, and takes the lab pods\' placement and image rewrites', () => {
    const pod = makeStoragePod(TARGET, 'labs', 'import', {
      image: 'autolabs/base:bookworm',
      deadlineSeconds: 60,
      settings: {
        nodeSelector: { 'kubernetes.io/hostname': 'node-0' },
        tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
        imageRewrites: [{ from: 'docker.io/autolabs/', to: '10.0.0.5:5000/autolabs/' }],
      },
    });
    expect(pod.metadata?.name).toBe('lab-linux-basics-u-alice-1a2b3c4d-import');
    expect(pod.spec?.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'node-0' });
    expect(pod.spec?.tolerations).toEqual([{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.spec?.containers[0].image).toBe('10.0.0.5:5000/autolabs/base:bookworm');
    expect(pod.spec?.containers[0].volumeMounts).toEqual([{ name: 'storage', mountPath: '/data', readOnly: false }]);
    expect(pod.spec?.volumes).toEqual([{ name: 'storage', persistentVolumeClaim: { claimName: TARGET.pvc, readOnly: false } }]);
  });
});

describe('storagePodName', () => {
  it('stays a DNS label of at most 63 characters for the longest pod name', () => {
    const name = storagePodName(`lab-${'a'.repeat(55)}-xy`, 'export');
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?-export$/);
  });
});
