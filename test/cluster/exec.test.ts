/**
 * Exec over WebSocket through the real apiserver to the KWOK node, which runs the command on this host
 * (ClusterExec). This is the path the browser terminal's Kubernetes backend will use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterEnv } from './cluster-env';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { kubeCall } from './kube/api-errors';
import { execOnce, execTty, type Target } from './kube/exec-capture';
import { createTestNamespace, loadKubeConfig } from './kube/test-namespace';
import { waitFor } from './kube/wait-for';

let kc: KubeConfig;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let target: Target;

beforeAll(async () => {
  kc = loadKubeConfig(clusterEnv().kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  ns = await createTestNamespace(kc, 'exec');
  await waitFor('default ServiceAccount', () =>
    kubeCall(() => core.readNamespacedServiceAccount({ namespace: ns.name, name: 'default' })),
  );
  await kubeCall(() =>
    core.createNamespacedPod({
      namespace: ns.name,
      body: { metadata: { name: 'term' }, spec: { containers: [{ name: 'shell', image: 'autolabs/linux-basics:latest' }] } },
    }),
  );
  await waitFor('pod term Running', async () => {
    const p = await core.readNamespacedPod({ namespace: ns.name, name: 'term' });
    return p.status?.phase === 'Running' ? p : undefined;
  });
  target = { namespace: ns.name, pod: 'term', container: 'shell' };
});

afterAll(async () => {
  await ns?.remove();
});

describe('Exec over WebSocket', () => {
  it('runs echo without a TTY, separating stdout from stderr and reporting Success', async () => {
    const r = await execOnce(kc, target, ['sh', '-c', 'echo hello-from-pod; echo oops >&2']);
    expect(r.stdout).toBe('hello-from-pod\n');
    expect(r.stderr).toBe('oops\n');
    expect(r.status.status).toBe('Success');
  });

  it('ends a failing command with a Failure status that carries its exit status', async () => {
    const r = await execOnce(kc, target, ['sh', '-c', 'exit 7']);
    expect(r.status.status).toBe('Failure');
    // A kubelet reports this as an ExitCode cause; KWOK's local exec only puts it in the message, so code
    // that reads exit codes must accept both shapes.
    expect(r.status.message).toContain('exit status 7');
  });

  it('runs echo in a TTY, where the terminal turns newlines into CRLF', async () => {
    const s = await execTty(kc, target, ['sh', '-c', 'echo tty-ok; sleep 1'], { rows: 24, columns: 80 });
    try {
      await waitFor('tty echo output', async () => (s.terminal.text.includes('tty-ok\r\n') ? true : undefined), 15_000);
    } finally {
      s.close();
    }
  });

  it('delivers a resize to the process: stty size reports the initial then the new window size', async () => {
    const s = await execTty(kc, target, ['sh'], { rows: 24, columns: 80 });
    try {
      const sizeSeen = (size: string) => async () => {
        s.stdin.write('stty size\n');
        await new Promise((r) => setTimeout(r, 200));
        return new RegExp(`^${size}\\r?$`, 'm').test(s.terminal.text) ? true : undefined;
      };
      await waitFor('initial size 24 80', sizeSeen('24 80'), 15_000);
      s.terminal.resize(40, 132);
      await waitFor('resized size 40 132', sizeSeen('40 132'), 15_000);
    } finally {
      s.close();
    }
  });
});
