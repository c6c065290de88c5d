/**
 * The NodePort Service that exposes classic SSH (seed 4.5.2) for a lab with an `ssh: true` container; null
 * when no container asks for SSH. The node port is chosen by the apiserver and read back into
 * `status().sshEndpoint`. Pure.
 */
import type { V1Service } from '@kubernetes/client-node';
import type { StartRequest } from '../../lab-runtime';
import type { InstanceNames } from '../names';
import { instanceLabels, instanceSelector } from './labels';
import { SSH_PORT } from './pod';

export function makeSshService(req: StartRequest, names: InstanceNames, namespace: string): V1Service | null {
  if (!req.config.spec.containers.some((c) => c.ssh)) return null;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: names.service, namespace, labels: instanceLabels(req) },
    spec: {
      type: 'NodePort',
      selector: instanceSelector(req.instanceId),
      ports: [{ name: 'ssh', protocol: 'TCP', port: SSH_PORT, targetPort: SSH_PORT }],
    },
  };
}
