import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { KubernetesHandle } from './kube-handle';
import { KubernetesRuntime, type KubernetesRuntimeOptions } from './kubernetes-runtime';
import { labConfig } from './testing/lab-request';

/** Points at a port nothing listens on: any API call would fail, so these tests prove the methods do no I/O. */
function runtimeWithoutServer(opts: Partial<KubernetesRuntimeOptions> = {}): KubernetesRuntime {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'none', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'c', cluster: 'none', user: 'u' }],
    currentContext: 'c',
  });
  return new KubernetesRuntime({ kubeConfig: kc, namespace: 'labs', log: pino({ level: 'silent' }), ...opts });
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

  it('goes over SSH to the pod\'s sshd, its published host key pinned, when the lab\'s terminal goes over SSH and the handle holds them', () => {
    const config = labConfig({ containers: [{ name: 'shell', image: 'autolabs/linux-basics:latest', terminal: true, ssh: true }] });
    const published = { ...handle, podIP: '10.245.0.7', sshHostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB' };
    const ssh = runtimeWithoutServer({ terminalBackend: 'ssh', labSshPublicKey: 'ssh-ed25519 AAAA platform' });
    expect(ssh.terminalTarget(published, config)).toEqual({ kind: 'ssh', host: '10.245.0.7', port: 22, username: 'student', hostKey: published.sshHostKey });
    // A handle from before (nothing published), or no platform key, or an installation on exec: the exec.
    expect(ssh.terminalTarget(handle, config).kind).toBe('k8s-exec');
    expect(runtimeWithoutServer({ terminalBackend: 'ssh' }).terminalTarget(published, config).kind).toBe('k8s-exec');
    expect(runtimeWithoutServer({ labSshPublicKey: 'ssh-ed25519 AAAA platform' }).terminalTarget(published, config).kind).toBe('k8s-exec');
    const askedForSsh = labConfig({ containers: [{ name: 'shell', image: 'autolabs/linux-basics:latest', terminal: true, ssh: true }], terminal: { backend: 'ssh' } });
    expect(runtimeWithoutServer().limitations(askedForSsh)).toEqual([expect.stringContaining('no platform key (LAB_SSH_PUBLIC_KEY)')]);
    expect(ssh.limitations(askedForSsh)).toEqual([]);
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
