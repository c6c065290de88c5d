import { describe, expect, it } from 'vitest';
import { loadEnv } from '@autolabs/common/config/env';
import { podSettingsFromEnv } from './pod-settings-from-env';

describe('podSettingsFromEnv', () => {
  it('reads node selector, tolerations with and without a value, and the lab image registry', () => {
    const env = loadEnv({
      LAB_NODE_SELECTOR: 'autolabs.io/real-node=true,kubernetes.io/os=linux',
      LAB_TOLERATIONS: 'autolabs.io/real-node:NoSchedule,dedicated=labs:NoExecute',
      LAB_IMAGE_REGISTRY: '172.31.255.1:5000',
    });
    expect(podSettingsFromEnv(env)).toEqual({
      imageRewrites: [{ from: 'docker.io/autolabs/', to: '172.31.255.1:5000/autolabs/' }],
      nodeSelector: { 'autolabs.io/real-node': 'true', 'kubernetes.io/os': 'linux' },
      tolerations: [
        { key: 'autolabs.io/real-node', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'dedicated', operator: 'Equal', value: 'labs', effect: 'NoExecute' },
      ],
    });
  });

  it('is empty when nothing is set', () => {
    expect(podSettingsFromEnv(loadEnv({}))).toEqual({ imageRewrites: [], nodeSelector: {}, tolerations: [] });
  });

  it('refuses a toleration without an effect, naming the variable and the expected form', () => {
    expect(() => loadEnv({ LAB_TOLERATIONS: 'autolabs.io/real-node' })).toThrow(/LAB_TOLERATIONS.*key\[=value\]:NoSchedule/s);
  });
});
