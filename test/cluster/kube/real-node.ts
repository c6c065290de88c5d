/**
 * The real node of the test cluster (test/cluster/node-up.sh): its name and taint, and a builder for test
 * pods pinned to it. Keep in step with test/cluster/node-env.sh.
 */
import type { V1Pod, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { PodSettings } from '../../../server/src/runtime/kubernetes/manifests/pod';

export const REAL_NODE_NAME = 'autolabs-node-0';
export const REAL_NODE_TAINT_KEY = 'autolabs.io/real-node';
/** The node's pod range (NODE_POD_CIDR), apart from KWOK's 10.244.0.0/16. */
export const REAL_NODE_POD_IP = /^10\.245\.0\.\d+$/;

/** Lab pods of a KubernetesRuntime on the real node, their `autolabs/*` images from the node's registry. */
export function realNodeLabPods(labImageRegistry: string): PodSettings {
  return {
    nodeSelector: { 'kubernetes.io/hostname': REAL_NODE_NAME },
    tolerations: [{ key: REAL_NODE_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' }],
    imageRewrites: [{ from: 'docker.io/autolabs/', to: `${labImageRegistry}/autolabs/` }],
  };
}

export interface RealNodePodSpec {
  name: string;
  image: string;
  command: string[];
  labels?: Record<string, string>;
  volumes?: V1Volume[];
  volumeMounts?: V1VolumeMount[];
}

/** A single-container pod that only the real node accepts (its taint keeps everything else on KWOK). */
export function realNodePod(p: RealNodePodSpec): V1Pod {
  return {
    metadata: { name: p.name, labels: p.labels ?? {} },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': REAL_NODE_NAME },
      tolerations: [{ key: REAL_NODE_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' }],
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image: p.image, command: p.command, volumeMounts: p.volumeMounts }],
      volumes: p.volumes,
    },
  };
}

/** The tag of `autolabs/<name>` in the node's registry (node-images.sh pushes one content-keyed tag). */
export async function registryImage(registry: string, name: string): Promise<string> {
  const res = await fetch(`http://${registry}/v2/autolabs/${name}/tags/list`);
  if (!res.ok) throw new Error(`registry ${registry} has no autolabs/${name} (HTTP ${res.status})`);
  const { tags } = (await res.json()) as { tags: string[] | null };
  if (!tags?.length) throw new Error(`registry ${registry} lists no tag of autolabs/${name}`);
  return `${registry}/autolabs/${name}:${tags[0]}`;
}
