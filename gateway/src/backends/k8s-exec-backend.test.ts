import { KubeConfig } from '@kubernetes/client-node';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '@autolabs/common/errors/app-error';
import type { TerminalTarget } from '@autolabs/common/lab-access/terminal-target';
import { K8sExecBackend } from './k8s-exec-backend';

const target: Extract<TerminalTarget, { kind: 'k8s-exec' }> = { kind: 'k8s-exec', namespace: 'labs', pod: 'lab-1', container: 'terminal', command: ['sh'] };

function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'test-token' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

let silent: Server | undefined;
const accepted: Socket[] = [];
afterEach(async () => {
  for (const s of accepted) s.destroy();
  await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
  silent = undefined;
});

describe('K8sExecBackend.open', () => {
  it('gives up with RUNTIME_UNAVAILABLE when the API server accepts the connection but never answers', async () => {
    silent = createServer((socket) => void accepted.push(socket));
    await new Promise<void>((resolve) => silent?.listen(0, '127.0.0.1', () => resolve()));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');

    const started = Date.now();
    const e = await K8sExecBackend.open(kubeConfigFor(`http://127.0.0.1:${address.port}`), target, { cols: 80, rows: 24 }, { openTimeoutMs: 300 }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('RUNTIME_UNAVAILABLE');
    expect((e as AppError).message).toContain('did not answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(accepted.length).toBe(1);
  });
});
