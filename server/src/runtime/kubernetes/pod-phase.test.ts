import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { podPhase } from './pod-phase';

const pod = (status: V1Pod['status'], metadata: V1Pod['metadata'] = { name: 'p' }): V1Pod => ({ metadata, status });

describe('podPhase', () => {
  it('is absent without a pod or storage, stopped without a pod but with storage', () => {
    expect(podPhase(null, false)).toEqual({ phase: 'absent' });
    expect(podPhase(null, true)).toEqual({ phase: 'stopped' });
  });

  it('is stopped while the pod is being deleted', () => {
    expect(podPhase(pod({ phase: 'Running' }, { name: 'p', deletionTimestamp: new Date() }), true)).toEqual({ phase: 'stopped' });
  });

  it('is running when the pod runs and no container crash-loops', () => {
    expect(podPhase(pod({ phase: 'Running', containerStatuses: [] }), true)).toEqual({ phase: 'running' });
  });

  it('is failed while its node has stopped reporting: not ready behind containers last seen ready', () => {
    const shell = { name: 'shell', image: 'i', imageID: '', restartCount: 0, ready: true, state: { running: {} } };
    const onNode = (ready: 'True' | 'False', containerReady: boolean): V1Pod => ({
      ...pod({ phase: 'Running', conditions: [{ type: 'Ready', status: ready }], containerStatuses: [{ ...shell, ready: containerReady }] }),
      spec: { nodeName: 'node-a', containers: [] },
    });
    expect(podPhase(onNode('False', true), true)).toEqual({
      phase: 'failed',
      reason: 'the node running this lab (node-a) has stopped reporting; the lab cannot be reached until it is back',
    });
    // The kubelet's own verdict (a container restarting) is not a silent node.
    expect(podPhase(onNode('False', false), true)).toEqual({ phase: 'running' });
    expect(podPhase(onNode('True', true), true)).toEqual({ phase: 'running' });
  });

  it('is stopped with the reason when Kubernetes evicts the pod', () => {
    const evicted = pod(
      { phase: 'Running', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' }] },
      { name: 'p', deletionTimestamp: new Date() },
    );
    expect(podPhase(evicted, true)).toEqual({ phase: 'stopped', reason: 'Taint manager: deleting due to NoExecute taint' });
  });

  it('is pending with the scheduler message while the pod waits', () => {
    expect(
      podPhase(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', message: 'pod has unbound immediate PersistentVolumeClaims' }] }), true),
    ).toEqual({ phase: 'pending', reason: 'pod has unbound immediate PersistentVolumeClaims' });
    expect(podPhase(pod(undefined), true)).toEqual({ phase: 'pending' });
  });

  it('is failed with the container and reason when an image cannot be pulled or a container crash-loops', () => {
    const waiting = (reason: string, message?: string) => ({
      name: 'shell',
      image: 'img',
      imageID: '',
      ready: false,
      restartCount: 3,
      state: { waiting: { reason, message } },
    });
    expect(podPhase(pod({ phase: 'Pending', containerStatuses: [waiting('ImagePullBackOff', 'Back-off pulling image "img"')] }), true)).toEqual({
      phase: 'failed',
      reason: 'container shell: ImagePullBackOff: Back-off pulling image "img"',
    });
    expect(podPhase(pod({ phase: 'Running', containerStatuses: [waiting('CrashLoopBackOff')] }), true)).toEqual({
      phase: 'failed',
      reason: 'container shell: CrashLoopBackOff',
    });
  });

  it('is failed when the pod ended or is lost', () => {
    expect(podPhase(pod({ phase: 'Succeeded' }), true)).toEqual({ phase: 'failed', reason: 'the lab containers exited' });
    expect(podPhase(pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }), true)).toEqual({
      phase: 'failed',
      reason: 'Evicted: The node was low on resource: memory.',
    });
    expect(podPhase(pod({ phase: 'Unknown' }), true)).toEqual({ phase: 'failed', reason: 'pod phase Unknown' });
  });
});
