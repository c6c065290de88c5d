/**
 * Each test file works in its own namespace so files never see each other's objects; deleting it at the
 * end relies on the controller manager's namespace controller, which the cluster runs.
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { isAppError } from '@autolabs/common/errors/app-error';
import { kubeCall } from './api-errors';

export function loadKubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export async function createTestNamespace(kc: KubeConfig, prefix: string): Promise<{ name: string; remove(): Promise<void> }> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kubeCall(() => core.createNamespace({ body: { metadata: { name, labels: { 'autolabs.io/test': 'cluster' } } } }));
  return { name, remove: () => deleteNamespace(kc, name) };
}

/** Deletes a namespace; one that is already gone is the outcome we want, not a failure. */
export async function deleteNamespace(kc: KubeConfig, name: string): Promise<void> {
  await kubeCall(() => kc.makeApiClient(CoreV1Api).deleteNamespace({ name })).catch((e: unknown) => {
    if (!(isAppError(e) && e.code === 'NOT_FOUND')) throw e;
  });
}
