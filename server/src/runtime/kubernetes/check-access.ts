/**
 * Whether the runtime can work at all: the apiserver answers, our credentials are accepted, and the lab
 * namespace exists. Run once at process start, so a misconfigured deployment stops with one clear line.
 */
import { AppError } from '@autolabs/common/errors/app-error';
import type { KubeClient } from './kube-client';

export async function checkNamespaceAccess(client: KubeClient, namespace: string): Promise<void> {
  const where = `Kubernetes API server ${client.server}`;
  let exists: boolean;
  try {
    exists = await client.namespaceExists(namespace);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    if (e.code === 'RUNTIME_UNAVAILABLE') throw new AppError('RUNTIME_UNAVAILABLE', `${where}: ${e.message}`, { cause: e });
    if (e.code !== 'FORBIDDEN') throw new AppError('RUNTIME_UNAVAILABLE', `${where} refused us: ${e.message}`, { cause: e });
    // A Role in the lab namespace (the chart's) cannot read Namespace objects; listing pods there proves
    // both that the namespace is usable and that we hold rights in it.
    await client.listPodsOnce(namespace).catch((inner: unknown) => {
      const why = inner instanceof Error ? inner.message : String(inner);
      throw new AppError('RUNTIME_UNAVAILABLE', `${where}: cannot list pods in namespace ${namespace}: ${why}`, { cause: inner });
    });
    return;
  }
  if (!exists) {
    throw new AppError('RUNTIME_UNAVAILABLE', `namespace ${namespace} (LAB_NAMESPACE) does not exist on the ${where}`, { field: 'LAB_NAMESPACE' });
  }
}
