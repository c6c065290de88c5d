import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { KubernetesHandle } from './kube-handle';
import { KubernetesRuntime } from './kubernetes-runtime';
import { labConfig } from './testing/lab-request';

/** Points at a port nothing listens on: any API call would fail, so these tests prove the methods do no I/O. */
function runtimeWithoutServer(): KubernetesRuntime {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'none', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'c', cluster: 'none', user: 'u' }],
    currentContext: 'c',
  });
  return new KubernetesRuntime({ kubeConfig: kc, namespace: 'labs', log: pino({ level: 'silent' }) });
}

const handle: KubernetesHandle = {
  runtime: 'kubernetes',
  instanceId: 'i-1',
  namespace: 'labs-old',
  pod: 'lab-x-u-a-12345678',
  service: null,
  networkPolicy: 'lab-x-u-a-12345678-policy',
  pvc: 'lab-x-u-a-12345678-storage',
};

describe('KubernetesRuntime without I/O', () => {
  it('terminalTarget execs a login shell in the terminal container of the pod the handle names', () => {
    const config = labConfig({
      containers: [
        { name: 'target', image: 'autolabs/sqli-target:latest' },
        { name: 'attacker', image: 'autolabs/sqli-attacker:latest', terminal: true },
      ],
    });
    expect(runtimeWithoutServer().terminalTarget(handle, config)).toEqual({
      kind: 'k8s-exec',
      namespace: 'labs-old',
      pod: 'lab-x-u-a-12345678',
      container: 'attacker',
      command: ['/bin/sh', '-c', 'exec bash -l || exec sh'],
    });
  });

  it('wraps the shell of an ssh terminal container so it drops to the student with the storage as home', () => {
    const config = labConfig({ containers: [{ name: 'attacker', image: 'autolabs/sqli-attacker:latest', terminal: true, ssh: true }] });
    const target = runtimeWithoutServer().terminalTarget(handle, config);
    if (target.kind !== 'k8s-exec') throw new Error(`unexpected target ${target.kind}`);
    expect(target.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(target.command[2]).toContain('exec setpriv --reuid=student --regid=student --init-groups env HOME="$0"');
    expect(target.command.slice(3)).toEqual([config.spec.storage.mountPath, '/bin/sh', '-c', 'exec bash -l || exec sh']);
  });

  it('refuses a handle of another runtime with BAD_INPUT on runtimeHandle', () => {
    expect(() => runtimeWithoutServer().terminalTarget({ runtime: 'local', instanceId: 'i-1', uid: 1000 }, labConfig())).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT', field: 'runtimeHandle' }),
    );
  });

  it('status of a damaged handle is failed with a reason, without throwing', async () => {
    await expect(runtimeWithoutServer().status({ runtime: 'kubernetes', instanceId: 'i-1' })).resolves.toEqual({
      phase: 'failed',
      reason: expect.stringContaining('not a Kubernetes runtime handle'),
    });
  });

  it('exec refuses an empty command before asking the cluster', async () => {
    await expect(runtimeWithoutServer().exec(handle, labConfig(), [])).rejects.toMatchObject({ code: 'BAD_INPUT', field: 'command' });
  });

  it('status throws RUNTIME_UNAVAILABLE, not failed, when the API server cannot be reached', async () => {
    await expect(runtimeWithoutServer().status(handle)).rejects.toMatchObject({ code: 'RUNTIME_UNAVAILABLE' });
  });
});
