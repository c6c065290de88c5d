/** Where the Kubernetes runtime and the gateway's exec backend get their credentials. */
import { KubeConfig } from '@kubernetes/client-node';
import { AppError } from '../../errors/app-error';

/** KUBECONFIG file when given, else the pod's service account (in-cluster). */
export function loadKubeConfig(kubeconfigPath: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
    else kc.loadFromCluster();
  } catch (e) {
    const source = kubeconfigPath ? `KUBECONFIG file ${kubeconfigPath}` : 'the in-cluster service account';
    throw new AppError('RUNTIME_UNAVAILABLE', `cannot load Kubernetes credentials from ${source}: ${(e as Error).message}`, { field: 'KUBECONFIG', cause: e });
  }
  return kc;
}
