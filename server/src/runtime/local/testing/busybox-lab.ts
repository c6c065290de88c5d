/**
 * A lab config for pod-mode tests over BusyboxImages: a `workstation` terminal container (the student's)
 * plus the containers a test names, on a 64 MiB home. Tests state only what they are about.
 */
import { labConfigSchema, type LabConfig } from '../../../labs/lab-config';

export function busyboxLab(name: string, opts: { containers?: object[]; network?: object } = {}): LabConfig {
  return labConfigSchema.parse({
    apiVersion: 'autolabs.io/v1',
    kind: 'Lab',
    metadata: { name, title: name },
    spec: {
      containers: [{ name: 'workstation', image: 'lab/shell:1', terminal: true }, ...(opts.containers ?? [])],
      ...(opts.network ? { network: opts.network } : {}),
      storage: { size: '64Mi', mountPath: '/home/student' },
    },
  });
}
