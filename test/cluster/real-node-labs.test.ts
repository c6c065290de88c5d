/**
 * Every bundled lab, for real on the cluster's real node: the embedded app runs on Postgres, Redis and
 * RabbitMQ with LAB_RUNTIME=kubernetes, so a start goes through the API, the queue and the workers to the
 * KubernetesRuntime; the pod lands on the real node (LAB_NODE_SELECTOR, LAB_TOLERATIONS), pulls our images
 * from the node's registry (LAB_IMAGE_REGISTRY), mounts a local-path volume (LAB_STORAGE_CLASS), and the
 * browser terminal is an exec through the gateway and the apiserver into the real container. Each lab is
 * completed by the same scripted student as in pod mode (test/browser/bundled-lab-flow.ts); one more test
 * shows the terminal itself: the student's user, resize, resume after a reload, and the exit code; and one
 * shows classic SSH with a stock OpenSSH client to the lab's own sshd through its NodePort Service, with
 * the key the student added on their SSH keys page.
 */
import { execFile } from 'node:child_process';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshPostgres, type FreshDatabase } from '../../server/src/infra/database/testing/fresh-postgres';
import { bundledLabConfig, completeBundledLab, startFromMyLabs, stopFromMyLabs, typeCommand } from '../browser/bundled-lab-flow';
import { login, PROMPT_AT_END, useApp, useBrowser, waitForTerminal, waitForTerminalState } from '../browser/harness';
import { BUNDLED_LAB_STUDENTS } from '../fixtures/bundled-lab-students';
import { buildImages } from '../integration/lab-image-fixture';
import { deleteQueues } from '../setup/amqp-queues';
import { TEST_AMQP_URL, TEST_REDIS_URL } from '../setup/services';
import { generateKey, requireTool } from '../ssh/ssh-tools';
import { clusterEnv } from './cluster-env';
import { REAL_NODE_NAME, REAL_NODE_TAINT_KEY } from './kube/real-node';
import { createTestNamespace, loadKubeConfig } from './kube/test-namespace';

const cluster = clusterEnv();
const kc = loadKubeConfig(cluster.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const cleanups: (() => Promise<void>)[] = [];
let namespace = '';
const queuePrefix = `real-node-${process.pid}.`;

// Registered before useApp, so it runs after the app has stopped.
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const app = useApp({
  env: {
    LAB_RUNTIME: 'kubernetes',
    KUBECONFIG: cluster.kubeconfig,
    LAB_IMAGE_REGISTRY: cluster.labImageRegistry,
    LAB_STORAGE_CLASS: 'local-path',
    LAB_NODE_SELECTOR: `kubernetes.io/hostname=${REAL_NODE_NAME}`,
    LAB_TOLERATIONS: `${REAL_NODE_TAINT_KEY}:NoSchedule`,
    REDIS_URL: TEST_REDIS_URL,
    AMQP_URL: TEST_AMQP_URL,
    AMQP_QUEUE_PREFIX: queuePrefix,
  },
  prepareDataDir: async () => {
    // Our images into the node's registry (from the build cache in seconds; cold, every image is built).
    await buildImages({ LAB_IMAGE_REGISTRY: cluster.labImageRegistry, LAB_IMAGE_REGISTRY_INSECURE: '1' });
    const ns = await createTestNamespace(kc, 'labs-real');
    cleanups.push(() => ns.remove());
    namespace = ns.name;
    const db: FreshDatabase = await createFreshPostgres('real_node_labs');
    cleanups.push(() => db.drop());
    cleanups.push(() => deleteQueues(queuePrefix));
    return { LAB_NAMESPACE: ns.name, DATABASE_URL: db.url };
  },
  hookTimeoutMs: 3_600_000,
});
const browser = useBrowser();

beforeAll(async () => {
  await login(browser.page, app, 'student');
}, 60_000);

/** A first start pulls every image of the lab into the node's containerd (tens of seconds on 2 cores). */
const START_TIMEOUT_MS = 300_000;

async function labPod(lab: string): Promise<V1Pod> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `lab_id=${lab}` });
  const running = pods.items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  expect(running, `running pods of ${lab} in ${namespace}`).toHaveLength(1);
  return running[0];
}

/** The lab's pod runs on the real node, every container from our registry, every container ready. */
async function expectOnRealNode(lab: string): Promise<void> {
  const pod = await labPod(lab);
  const config = bundledLabConfig(lab);
  expect(pod.spec?.nodeName).toBe(REAL_NODE_NAME);
  expect(pod.spec?.containers.map((c) => c.image)).toEqual(config.spec.containers.map((c) => `${cluster.labImageRegistry}/${c.image}`));
  const ready = Object.fromEntries((pod.status?.containerStatuses ?? []).map((s) => [s.name, s.ready]));
  expect(ready, JSON.stringify(pod.status?.containerStatuses, null, 1)).toEqual(Object.fromEntries(config.spec.containers.map((c) => [c.name, true])));
}

describe('every bundled lab on the real node, started through the API, RabbitMQ and the workers', () => {
  for (const lab of Object.keys(BUNDLED_LAB_STUDENTS)) {
    it(`${lab}: a Running pod from our images; its checks fail, then pass after the student's work in the browser terminal`, async () => {
      await completeBundledLab(browser.page, app, lab, { startTimeoutMs: START_TIMEOUT_MS, shot: 'real-node', whileRunning: () => expectOnRealNode(lab) });
    }, 900_000);
  }
});

async function sttySize(page: Page, marker: string): Promise<[number, number]> {
  const { status, screen } = await typeCommand(page, `clear; echo ${marker} $(stty size)`, marker);
  expect(status).toBe('0');
  const m = new RegExp(`^${marker} (\\d+) (\\d+)\\s*$`, 'm').exec(screen);
  if (!m) throw new Error(`no stty size after ${marker}:\n${screen.slice(-1000)}`);
  return [Number(m[1]), Number(m[2])];
}

describe('the browser terminal into a real lab container', () => {
  it('is the student in their storage; follows a resize; resumes the same shell after a reload; ends with the exit code', async () => {
    const { page } = browser;
    const config = bundledLabConfig('linux-basics');
    const card = await startFromMyLabs(page, app, config, START_TIMEOUT_MS);
    await card.getByRole('link', { name: 'Open terminal' }).click();
    await waitForTerminalState(page, 'live', 30_000);
    await waitForTerminal(page, PROMPT_AT_END, 30_000);
    await page.getByTestId('terminal').click();

    const who = await typeCommand(page, 'echo "who=$(id -un) home=$HOME pwd=$(pwd)"', 'who');
    expect(who.screen).toMatch(new RegExp(`^who=student home=${config.spec.storage.mountPath} pwd=${config.spec.storage.mountPath}\\s*$`, 'm'));

    const [rows, cols] = await sttySize(page, 'size-1');
    await page.setViewportSize({ width: 900, height: 600 });
    // The new size reaches the process once the page has fitted the terminal: poll stty until it changes.
    await expect.poll(async () => (await sttySize(page, `size-${Date.now()}`))[1], { timeout: 30_000 }).toBeLessThan(cols);
    const [rowsAfter] = await sttySize(page, 'size-last');
    expect(rowsAfter).toBeLessThan(rows);
    await page.setViewportSize({ width: 1280, height: 800 });

    await typeCommand(page, 'export RESUME_MARK=kept-$((6*7))', 'mark');
    await page.reload();
    await waitForTerminalState(page, 'live', 30_000);
    await page.getByTestId('terminal').click();
    const resumed = await typeCommand(page, 'echo "mark=$RESUME_MARK"', 'resumed');
    expect(resumed.screen).toMatch(/^mark=kept-42\s*$/m);

    await page.keyboard.type('exit 3\n');
    await waitForTerminalState(page, 'ended', 30_000);
    expect(await page.evaluate(() => window.__autolabs?.status().reason)).toBe('terminal ended (exit code 3)');

    await stopFromMyLabs(page, app, config);
  }, 900_000);
});

/** Stock OpenSSH to the lab's sshd. Its host key is the lab's own, new at each start: accepted on first use. */
function labSsh(command: string, identity: string, login: string, host: string, port: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ['-F', '/dev/null', '-p', String(port), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'ConnectTimeout=20', '-o', 'LogLevel=ERROR', '-i', identity, `${login}@${host}`, command];
  return new Promise((resolve) => {
    execFile(requireTool('ssh'), args, { timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 255) : 0, stdout, stderr });
    });
  });
}

describe('classic SSH to a real lab pod', () => {
  it("reaches the lab's sshd through its NodePort with the key from the SSH keys page, shown as a command on the lab card; another key is refused", async () => {
    const { page } = browser;
    const key = generateKey('ed25519');
    const stranger = generateKey('ed25519');
    await page.goto(`${app.baseUrl}/#/ssh-keys`);
    await page.getByLabel('Public key').fill(key.publicLine);
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.getByText(`Key added: ${key.fingerprint}`).waitFor();

    const config = bundledLabConfig('linux-basics');
    const card = await startFromMyLabs(page, app, config, START_TIMEOUT_MS);
    const command = (await card.getByLabel('SSH command').textContent()) ?? '';
    const m = /^ssh -p (\d+) student@(\S+)$/.exec(command);
    expect(m, `the card shows: ${command}`).not.toBeNull();
    const [port, host] = [Number(m?.[1]), m?.[2] ?? ''];
    const pod = await labPod('linux-basics');
    // The NodePort of the lab's Service, on the node the pod runs on.
    expect(host).toBe(pod.status?.hostIP);
    const service = await core.readNamespacedService({ namespace, name: `${pod.metadata?.name}-ssh` });
    expect(service.spec?.ports?.[0].nodePort).toBe(port);

    const login = await labSsh('echo "who=$(id -un) home=$HOME host=$(hostname)"', key.file, 'student', host, port);
    expect(login, login.stderr).toMatchObject({ code: 0 });
    expect(login.stdout.trim()).toBe(`who=student home=${config.spec.storage.mountPath} host=${config.metadata.name}`);

    const refused = await labSsh('true', stranger.file, 'student', host, port);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toContain('Permission denied (publickey)');
    const asRoot = await labSsh('true', key.file, 'root', host, port);
    expect(asRoot.code).toBe(255);

    await stopFromMyLabs(page, app, config);
  }, 900_000);
});
