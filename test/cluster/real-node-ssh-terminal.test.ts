/**
 * The gateway's ssh2 terminal backend into a real lab pod (issue 8 point 5, on Kubernetes): the bundled
 * linux-basics lab started by the KubernetesRuntime with TERMINAL_BACKEND=ssh trusts the platform key beside
 * the student's, publishes its sshd's host key at start (kept in the handle with the pod's IP), and its
 * terminal target is that sshd. The gateway's Ssh2Backend, from this machine (as a gateway pod would, over
 * the pod network; the lab's NetworkPolicy admits port 22), logs in with the platform key: a real login
 * shell (SSH_CONNECTION set) in a PTY of the asked size, resized, with its exit status; a wrong pinned key
 * is refused before any login; a key the lab does not trust is refused by the lab's sshd.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ssh2Backend } from '../../gateway/src/backends/ssh2-backend';
import { ed25519Pair } from '../../gateway/src/testing/loopback-sshd';
import { silentLogger } from '../../server/src/infra/database/testing/silent-logger';
import { caught } from '@autolabs/common/testing/caught';
import { parseLabConfig, type LabConfig } from '../../server/src/labs/lab-config';
import type { RuntimeHandle } from '../../server/src/runtime/lab-runtime';
import { KubernetesRuntime } from '../../server/src/runtime/kubernetes/kubernetes-runtime';
import { buildImages } from '../integration/lab-image-fixture';
import { clusterEnv } from './cluster-env';
import { REAL_NODE_POD_IP, realNodeLabPods } from './kube/real-node';
import { createTestNamespace, loadKubeConfig } from './kube/test-namespace';
import { waitFor } from './kube/wait-for';

const cluster = clusterEnv();
const kc = loadKubeConfig(cluster.kubeconfig);
const platformKey = ed25519Pair('autolabs-platform');
const studentKey = ed25519Pair('student');
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let runtime: KubernetesRuntime;
let config: LabConfig;
let handle: RuntimeHandle;

beforeAll(async () => {
  await buildImages({ LAB_IMAGE_REGISTRY: cluster.labImageRegistry, LAB_IMAGE_REGISTRY_INSECURE: '1' });
  ns = await createTestNamespace(kc, 'ssh-term');
  runtime = new KubernetesRuntime({
    kubeConfig: kc,
    namespace: ns.name,
    log: silentLogger(),
    storageClassName: 'local-path',
    startTimeoutMs: 300_000,
    pod: realNodeLabPods(cluster.labImageRegistry),
    resolveHost: async () => [],
    terminalBackend: 'ssh',
    labSshPublicKey: platformKey.public,
  });
  config = parseLabConfig(readFileSync(path.resolve(__dirname, '../../lab-configs/linux-basics.yaml'), 'utf8'));
  handle = await runtime.start({ instanceId: randomUUID(), ownerKey: 'sam', labKey: 'linux-basics', config, sshAuthorizedKeys: [studentKey.public] });
}, 3_600_000);

afterAll(async () => {
  if (handle) await runtime.destroy(handle);
  await ns?.remove();
}, 300_000);

function endpoint() {
  const target = runtime.terminalTarget(handle, config);
  if (target.kind !== 'ssh') throw new Error(`expected an ssh terminal target, got ${target.kind}`);
  return target;
}

describe('the ssh2 terminal backend into a real lab pod', () => {
  it('start publishes the pod sshd\'s own host key and the pod IP; the terminal target is that sshd', async () => {
    const target = endpoint();
    expect(target.host).toMatch(REAL_NODE_POD_IP);
    expect(target).toMatchObject({ port: 22, username: 'student' });
    const inPod = await runtime.exec(handle, config, ['cat', '/etc/ssh/ssh_host_ed25519_key.pub']);
    expect(inPod.stdout.trim().split(' ').slice(0, 2).join(' ')).toBe(target.hostKey);
    // Both keys are trusted: the student's for NodePort SSH, the platform's for the gateway.
    const keys = (await runtime.exec(handle, config, ['cat', '/etc/autolabs/authorized_keys'])).stdout;
    expect(keys.split('\n').filter(Boolean)).toEqual([studentKey.public, platformKey.public]);
  });

  it('logs in with the platform key: a login shell in a PTY of the asked size, resized, with its exit status', async () => {
    const ssh = await Ssh2Backend.open(endpoint(), { cols: 97, rows: 31 }, { privateKey: platformKey.private });
    let text = '';
    const decoder = new TextDecoder();
    ssh.onData((chunk) => (text += decoder.decode(chunk, { stream: true })));
    const exited = new Promise((resolve) => ssh.onExit(resolve));
    ssh.write('echo "via=[$SSH_CONNECTION]"; stty size\r');
    await waitFor('the login shell to answer', async () => (/via=\[\S+ \d+ \S+ 22\]/.test(text) && text.includes('31 97') ? true : undefined));
    ssh.resize({ cols: 132, rows: 43 });
    ssh.write('stty size\r');
    await waitFor('the new size', async () => (text.includes('43 132') ? true : undefined));
    ssh.write('exit 3\r');
    expect(await exited).toEqual({ code: 3, signal: null });
  });

  it('refuses a lab presenting another host key before logging in, and the lab refuses a key it does not trust', async () => {
    const mismatch = await caught(Ssh2Backend.open({ ...endpoint(), hostKey: ed25519Pair('impostor').public }, { cols: 80, rows: 24 }, { privateKey: platformKey.private }));
    expect(mismatch).toMatchObject({ code: 'HOST_KEY_MISMATCH', field: 'target.hostKey' });
    const stranger = await caught(Ssh2Backend.open(endpoint(), { cols: 80, rows: 24 }, { privateKey: ed25519Pair('stranger').private }));
    expect(stranger).toMatchObject({ code: 'RUNTIME_UNAVAILABLE', field: 'LAB_SSH_PRIVATE_KEY' });
  });
});
