import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { AppError } from '@autolabs/common/errors/app-error';
import type { TerminalTarget } from '@autolabs/common/lab-access/terminal-target';
import { ed25519Pair, startLoopbackSshd } from '../testing/loopback-sshd';
import { createBackendOpener } from './backend-opener';

const execTarget: TerminalTarget = { kind: 'k8s-exec', namespace: 'labs', pod: 'lab-1', container: 'terminal', command: ['sh'] };
const size = { cols: 80, rows: 24 };
const sshTarget: TerminalTarget = { kind: 'ssh', host: '127.0.0.1', port: 22, username: 'student', hostKey: 'ssh-ed25519 AAAA' };
const platformKey = ed25519Pair('autolabs-platform');

/** Credentials for an apiserver address where nothing listens. */
function unreachableKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'nowhere', server: 'http://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'nobody', token: 'not-a-real-token' }],
    contexts: [{ name: 'nowhere', cluster: 'nowhere', user: 'nobody' }],
    currentContext: 'nowhere',
  });
  return kc;
}

async function openError(promise: Promise<unknown>): Promise<AppError> {
  const e = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('createBackendOpener', () => {
  it('refuses a k8s-exec target with RUNTIME_UNAVAILABLE naming KUBECONFIG when it has no credentials', async () => {
    const e = await openError(createBackendOpener().open(execTarget, size));
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
    expect(e.field).toBe('KUBECONFIG');
  });

  it('refuses an ssh target with RUNTIME_UNAVAILABLE naming LAB_SSH_PRIVATE_KEY when it has no platform key', async () => {
    const e = await openError(createBackendOpener({ kubeConfig: unreachableKubeConfig() }).open(sshTarget, size));
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
    expect(e.field).toBe('LAB_SSH_PRIVATE_KEY');
  });

  it('refuses an ssh target into a local pod on a gateway that serves no local labs', async () => {
    const e = await openError(createBackendOpener({ labSshPrivateKey: platformKey.private }).open({ ...sshTarget, localPod: 'lab-1' }, size));
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
    expect(e.field).toBe('target.kind');
  });

  it('opens an ssh target with the platform key it was given (Debian sshd on loopback)', async () => {
    const sshd = await startLoopbackSshd([platformKey.public]);
    try {
      const target: TerminalTarget = { kind: 'ssh', host: '127.0.0.1', port: sshd.port, username: sshd.username, hostKey: sshd.hostKey };
      const backend = await createBackendOpener({ labSshPrivateKey: platformKey.private }).open(target, size);
      expect(backend.kind).toBe('ssh');
      await backend.close();
    } finally {
      await sshd.stop();
    }
  });

  it('reports an unreachable apiserver as RUNTIME_UNAVAILABLE naming the pod, without the credentials', async () => {
    const e = await openError(createBackendOpener({ kubeConfig: unreachableKubeConfig() }).open(execTarget, size));
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
    expect(e.message).toContain('pod labs/lab-1 container terminal');
    expect(JSON.stringify({ message: e.message, detail: e.detail })).not.toContain('not-a-real-token');
  });

  it('refuses an empty exec command with BAD_INPUT on target.command', async () => {
    const e = await openError(createBackendOpener({ kubeConfig: unreachableKubeConfig() }).open({ ...execTarget, command: [] }, size));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.field).toBe('target.command');
  });
});
