/**
 * Cluster tests convert Kubernetes API failures exactly as the runtime does: the logic lives in the
 * Kubernetes runtime (server/src/runtime/kubernetes/kube-errors.ts) and is re-exported here.
 */
export { kubeCall, toAppError } from '../../../server/src/runtime/kubernetes/kube-errors';
