/**
 * Browser terminals of Kubernetes labs: the real gateway (fastify + gatewayPlugin on port 0) opens a
 * k8s-exec target through the real apiserver to a KWOK pod (KWOK runs the exec on this host), and a real
 * `ws` client speaks the wire protocol to it.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackendOpener } from '@autolabs/gateway/backends/backend-opener';
import type { ExitStatus, TerminalBackend, TerminalBackendOpener } from '@autolabs/gateway/backends/terminal-backend';
import { CloseCode, LIMITS } from '@autolabs/gateway/protocol/wire';
import { startGateway, type GatewayFixture } from '@autolabs/gateway/testing/gateway-fixture';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import type { TerminalTarget } from '@autolabs/common/lab-access/terminal-target';
import { TERMINAL_COMMAND } from '@autolabs/server/runtime/kubernetes/kubernetes-runtime';
import { clusterEnv } from './cluster-env';
import { kubeCall } from './kube/api-errors';
import { createTestNamespace, loadKubeConfig } from './kube/test-namespace';
import { waitFor } from './kube/wait-for';

/** Delegates to the real opener and keeps each backend's exit, so a test can see the exec end. */
class ExitRecordingOpener implements TerminalBackendOpener {
  readonly exits: Promise<ExitStatus>[] = [];
  private readonly inner: TerminalBackendOpener;

  constructor(kubeConfig: KubeConfig) {
    this.inner = createBackendOpener({ kubeConfig });
  }

  async open(...args: Parameters<TerminalBackendOpener['open']>): Promise<TerminalBackend> {
    const backend = await this.inner.open(...args);
    this.exits.push(new Promise((resolve) => backend.onExit(resolve)));
    return backend;
  }
}

let kc: KubeConfig;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let gw: GatewayFixture;
let opener: ExitRecordingOpener;

function shellTarget(pod = 'term', command = ['sh']): TerminalTarget {
  return { kind: 'k8s-exec', namespace: ns.name, pod, container: 'shell', command };
}

const connect = async (extra: { cols?: number; rows?: number; autoAck?: boolean; keepText?: boolean } = {}) =>
  WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket({ target: shellTarget() }), origin: gw.origin, ...extra });

/** Exits the shell: a closed socket alone would leave it running on KWOK (see the grace test). */
async function endShell(owner: WireClient): Promise<void> {
  owner.type('exit\r');
  expect((await owner.closed).code).toBe(CloseCode.SESSION_ENDED);
}

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone: what we want.
  }
}

beforeAll(async () => {
  kc = loadKubeConfig(clusterEnv().kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  ns = await createTestNamespace(kc, 'gwexec');
  await waitFor('default ServiceAccount', () => kubeCall(() => core.readNamespacedServiceAccount({ namespace: ns.name, name: 'default' })));
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
  opener = new ExitRecordingOpener(kc);
  gw = await startGateway({ backends: opener, graceSeconds: 1 });
});

afterAll(async () => {
  await gw?.close();
  await ns?.remove();
});

describe('gateway terminal over Kubernetes exec', () => {
  it('round-trips a typed echo through the exec TTY', async () => {
    const owner = await connect();
    expect(owner.control('welcome')).toMatchObject({ mode: 'owner', readOnly: false });
    // The quotes split the word, so only the command's output (not the echoed keystrokes) matches.
    owner.type("echo hel''lo-from-pod\r");
    await owner.waitForText('hello-from-pod\r\n', 15_000);
    expect(owner.seqErrors).toEqual([]);
    await endShell(owner);
  });

  it('echoes each keystroke back through gateway, apiserver and exec', async () => {
    const owner = await connect();
    await owner.waitForText('# ', 15_000);
    for (const ch of 'abcdefghijklmnopqrst') {
      owner.type(ch);
      await owner.waitFor(`echo of ${ch}`, () => owner.text.endsWith(ch), 5_000);
    }
    owner.type('\r');
    await endShell(owner);
  });

  it('opens with the hello size and delivers a resize to the process (stty size)', async () => {
    const owner = await connect({ cols: 100, rows: 30 });
    // The size travels on channel 4 and stdin on channel 0; the pod side applies them independently, so
    // a command typed at once may still see the old size: ask until the answer arrives.
    const sizeSeen = (size: RegExp) => async () => {
      owner.type('stty size\r');
      await new Promise((r) => setTimeout(r, 300));
      return size.test(owner.text) ? true : undefined;
    };
    await waitFor('stty size 30 100', sizeSeen(/\b30 100\r\n/), 15_000);
    owner.sendControl({ type: 'resize', cols: 132, rows: 40 });
    await waitFor('stty size 40 132', sizeSeen(/\b40 132\r\n/), 15_000);
    await endShell(owner);
  });

  it('ends the session with the exit code of the shell: exit 3 gives exit code 3 and close 4007', async () => {
    const owner = await connect();
    owner.type('exit 3\r');
    const closed = await owner.closed;
    expect(closed.code).toBe(CloseCode.SESSION_ENDED);
    expect(owner.control('exit')).toEqual({ type: 'exit', code: 3, signal: null });
  });

  it('closes the exec stream when the client is gone and the grace period ends', async () => {
    const before = opener.exits.length;
    const owner = await connect();
    owner.type("echo pid-$$-rea''dy\r");
    await owner.waitForText(/pid-\d+-ready\r\n/, 15_000);
    const shellPid = Number(/pid-(\d+)-ready/.exec(owner.text)?.[1]);
    expect(opener.exits.length).toBe(before + 1);
    try {
      await owner.close();
      const exit = await Promise.race([
        opener.exits[before],
        new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 10_000)),
      ]);
      // Ended from our side: the terminal was hung up, no exit status came from the pod.
      expect(exit).toEqual({ code: null, signal: 'SIGHUP' });
    } finally {
      // KWOK runs the exec on this host and, unlike a kubelet's runtime, leaves it running after a hang-up.
      killIfAlive(shellPid);
    }
  });

  it("runs the KubernetesRuntime's terminal command (a login shell) and reports its exit code", async () => {
    const ticket = await gw.ownerTicket({ target: shellTarget('term', [...TERMINAL_COMMAND]) });
    const owner = await WireClient.connect({ url: gw.url, ticket, origin: gw.origin });
    owner.type("echo lo''gin-shell-ok\r");
    await owner.waitForText('login-shell-ok\r\n', 15_000);
    owner.type('exit 5\r');
    expect((await owner.closed).code).toBe(CloseCode.SESSION_ENDED);
    expect(owner.control('exit')).toEqual({ type: 'exit', code: 5, signal: null });
  });

  it('closes with BACKEND_FAILED (4012) when the target pod does not exist', async () => {
    const ticket = await gw.ownerTicket({ target: shellTarget('no-such-pod') });
    const client = new WireClient({ url: gw.url, ticket, origin: gw.origin });
    expect((await client.closed).code).toBe(CloseCode.BACKEND_FAILED);
  });

  it('stops output while the owner does not ack and carries on, losing nothing, once it acks', async () => {
    const owner = await connect({ autoAck: false, keepText: false });
    // ~30 MB: more than the socket buffers between the pod and us hold, so a working pause must stall it.
    owner.type("yes | head -c 30000000; echo; echo do''ne\r");
    // Flow control pauses the exec socket: output stalls (the buffers on the way fill, then yes blocks).
    let stalledAt = -1;
    await waitFor('output to stall', async () => {
      const seen = owner.outputBytes;
      await new Promise((r) => setTimeout(r, 1000));
      if (seen > 0 && owner.outputBytes === seen) stalledAt = seen;
      return stalledAt >= 0 ? true : undefined;
    }, 30_000);
    // Unacknowledged output stays within the credit window plus what was already on its way.
    expect(stalledAt).toBeLessThanOrEqual(LIMITS.creditWindowBytes + 64 * 1024);
    owner.resumeAcking();
    await owner.waitFor('the end marker', () => /\ndone\r\n/.test(owner.tail), 60_000);
    // yes writes "y\n", which the TTY turns into "y\r\n": 1.5 bytes out per byte in.
    expect(owner.outputBytes).toBeGreaterThanOrEqual(45_000_000);
    expect(owner.seqErrors).toEqual([]);
    await endShell(owner);
  });
});
