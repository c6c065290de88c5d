/** Start requests for tests of the manifest builders and the runtime: a lab config parsed by the real schema. */
import { labConfigSchema, type LabConfig } from '../../../labs/lab-config';
import type { StartRequest } from '../../lab-runtime';

type Spec = Partial<Record<keyof LabConfig['spec'], unknown>>;

export function labConfig(spec: Spec = {}): LabConfig {
  return labConfigSchema.parse({
    apiVersion: 'autolabs.io/v1',
    kind: 'Lab',
    metadata: { name: 'linux-basics', title: 'Linux basics' },
    spec: { containers: [{ name: 'shell', image: 'autolabs/linux-basics:latest', terminal: true }], ...spec },
  });
}

export function startRequest(overrides: Partial<StartRequest> = {}, spec: Spec = {}): StartRequest {
  return { instanceId: '0b6f1e0c-8a7e-4c61-9b0e-2f6d1a0c9e11', ownerKey: 'u-alice', labKey: 'linux-basics', courseKey: 'linux-101', config: labConfig(spec), ...overrides };
}
