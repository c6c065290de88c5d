/**
 * The platform itself on the cluster: the image of platform-image/build.sh in the node's registry, installed
 * by `helm install` with values-dev.yaml (plus what this cluster needs: the real node's selector and
 * toleration for the platform and its labs, this machine's Postgres, Redis, RabbitMQ and MinIO at the address
 * the node sees, NodePort Services instead of an ingress controller). A student signs in through the web app
 * that the API pod serves, starts a lab (API pod -> RabbitMQ -> worker pod -> KubernetesRuntime), and types
 * into its terminal (gateway pod -> apiserver exec -> the lab container); `helm upgrade` to another image
 * reference and `helm rollback` roll every pod while that terminal is open; each ServiceAccount's rules, as
 * `kubectl auth can-i --list` shows them, are the chart's Roles and nothing more.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1Pod,
  type V1ResourceRule,
} from '@kubernetes/client-node';
import amqp from 'amqplib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadEnv } from '@autolabs/common/config/env';
import { seedDemo } from '../../server/src/demo/seed-demo';
import { createFreshPostgres, type FreshDatabase } from '../../server/src/infra/database/testing/fresh-postgres';
import { createServices } from '../../server/src/platform/services';
import { bundledLabConfig, startFromMyLabs, stopFromMyLabs, typeCommand } from '../browser/bundled-lab-flow';
import { login, PROMPT_AT_END, useBrowser, waitForTerminal, waitForTerminalState, type RunningApp } from '../browser/harness';
import { buildImages, REPO } from '../integration/lab-image-fixture';
import { TEST_AMQP_URL, TEST_REDIS_URL } from '../setup/services';
import { clusterEnv } from './cluster-env';
import { chart, devValuesWithTicketKeys } from './kube/chart-values';
import { execOnce } from './kube/exec-capture';
import { startFrontDoor, type FrontDoor } from './kube/front-door-proxy';
import { helm } from './kube/helm';
import { NODE_HOST_IP, NODE_IP, tcpProxy, type Listener } from './kube/node-host';
import { REAL_NODE_NAME, REAL_NODE_TAINT_KEY } from './kube/real-node';
import { createTestNamespace, loadKubeConfig } from './kube/test-namespace';
import { waitFor } from './kube/wait-for';

const cluster = clusterEnv();
const kc = loadKubeConfig(cluster.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const RELEASE = 'autolabs';
const COMPONENTS = ['api', 'gateway', 'worker'] as const;
const queuePrefix = `platform-${process.pid}.`;
/** A first lab start pulls the lab image into the node's containerd; the platform image is pulled by the install. */
const START_TIMEOUT_MS = 300_000;

const cleanups: (() => Promise<void>)[] = [];
const dev = devValuesWithTicketKeys();
let namespace = '';
let labNamespace = '';
let images: { first: string; second: string };
let front: FrontDoor;
let valuesFile = '';
/** The installation as the browser helpers know an app; its processes' logs are the pods' (podLogs). */
const app = { dataDir: '', accounts: {}, output: () => `(logs of the pods in ${namespace} follow)` } as unknown as RunningApp;

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch((e: unknown) => process.stderr.write(`cleanup: ${String(e)}\n`));
  dev.cleanup();
}, 300_000);

/** platform-image/build.sh into the node's registry; resolves with the reference it printed. */
async function buildPlatformImage(): Promise<string> {
  const child = spawn('bash', [path.join(REPO, 'platform-image/build.sh')], {
    env: { ...process.env, LAB_IMAGE_REGISTRY: cluster.labImageRegistry, LAB_IMAGE_REGISTRY_INSECURE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`platform-image/build.sh exited with ${code}:\n${stderr}`);
  process.stderr.write(stderr.split('\n').filter((l) => l.startsWith('[platform-image]')).join('\n') + '\n');
  return stdout.trim().split('\n').pop() ?? '';
}

/** The same image under a second tag: to Kubernetes a new version of every Deployment. */
async function retag(ref: string, tag: string): Promise<string> {
  const second = `${ref.slice(0, ref.lastIndexOf(':'))}:${tag}`;
  const child = spawn('skopeo', ['copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${ref}`, `docker://${second}`], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`skopeo could not tag ${ref} as ${second}`);
  return second;
}

/** One of this machine's loopback services at the address the node sees, for the test's lifetime. */
async function forward(port: number): Promise<number> {
  const l: Listener = await tcpProxy(NODE_HOST_IP, 0, port);
  cleanups.push(() => l.close());
  return l.port;
}

function hostPort(url: string): number {
  return Number(new URL(url).port);
}

async function deleteQueues(prefix: string): Promise<void> {
  const conn = await amqp.connect(TEST_AMQP_URL);
  const channel = await conn.createChannel();
  for (const q of ['lab.deploy', 'lab.start', 'lab.stop', 'lab.archive']) {
    await channel.deleteQueue(`${prefix}${q}`);
    await channel.deleteQueue(`${prefix}${q}.dead`);
  }
  await conn.close();
}

/** Values over values-dev.yaml: this cluster's addresses, the real node, the image, small requests. */
function overrides(db: FreshDatabase, ports: { postgres: number; redis: number; amqp: number; minio: number }, image: string) {
  const at = (url: string, port: number) => {
    const u = new URL(url);
    u.hostname = NODE_HOST_IP;
    u.port = String(port);
    return u.toString();
  };
  const placement = `kubernetes.io/hostname=${REAL_NODE_NAME}`;
  const small = { requests: { cpu: '20m', memory: '96Mi' }, limits: { cpu: '1', memory: '512Mi' } };
  return {
    image: { repository: image.slice(0, image.lastIndexOf(':')), tag: image.slice(image.lastIndexOf(':') + 1), pullPolicy: 'IfNotPresent' },
    publicUrl: front.url,
    allowedOrigins: front.url,
    ingress: { enabled: false },
    service: { type: 'NodePort' },
    labNamespace: { name: labNamespace, create: true },
    s3: {
      endpoint: `http://${NODE_HOST_IP}:${ports.minio}`,
      buckets: { configs: `${namespace}-configs`, volumes: `${namespace}-volumes`, recordings: `${namespace}-recordings` },
    },
    secrets: {
      databaseUrl: at(db.url, ports.postgres),
      redisUrl: at(TEST_REDIS_URL, ports.redis),
      amqpUrl: at(TEST_AMQP_URL, ports.amqp),
      s3AccessKey: cluster.s3AccessKey,
      s3SecretKey: cluster.s3SecretKey,
    },
    nodeSelector: { 'kubernetes.io/hostname': REAL_NODE_NAME },
    tolerations: [{ key: REAL_NODE_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' }],
    extraEnv: [
      { name: 'LAB_NODE_SELECTOR', value: placement },
      { name: 'LAB_TOLERATIONS', value: `${REAL_NODE_TAINT_KEY}:NoSchedule` },
      { name: 'LAB_STORAGE_CLASS', value: 'local-path' },
      { name: 'LAB_IMAGE_REGISTRY', value: cluster.labImageRegistry },
      { name: 'LAB_IMAGE_REGISTRY_INSECURE', value: 'true' },
      { name: 'AMQP_QUEUE_PREFIX', value: queuePrefix },
    ],
    api: { resources: small },
    worker: { resources: small },
    gateway: { resources: small },
  };
}

/** The demo accounts, course and labs, written by the test into the installation's database and buckets. */
async function seed(db: FreshDatabase, s3: { configs: string; volumes: string; recordings: string }, dataDir: string) {
  const env = loadEnv({
    NODE_ENV: 'test',
    AUTOLABS_DATA_DIR: dataDir,
    DATABASE_URL: db.url,
    S3_ENDPOINT: cluster.s3Endpoint,
    S3_ACCESS_KEY: cluster.s3AccessKey,
    S3_SECRET_KEY: cluster.s3SecretKey,
    S3_BUCKET_CONFIGS: s3.configs,
    S3_BUCKET_VOLUMES: s3.volumes,
    S3_BUCKET_RECORDINGS: s3.recordings,
    LAB_RUNTIME: 'kubernetes',
    KUBECONFIG: cluster.kubeconfig,
    LAB_NAMESPACE: labNamespace,
  });
  const services = await createServices(env, pino({ level: 'silent' }));
  try {
    const demo = await seedDemo(services);
    if (!demo.accounts) throw new Error('the fresh database already had users');
    return Object.fromEntries(demo.accounts.map((a) => [a.username, { username: a.username, password: a.password }]));
  } finally {
    await services.close();
  }
}

async function platformPods(): Promise<V1Pod[]> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/instance=${RELEASE}` });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp);
}

async function podLogs(): Promise<string> {
  const out: string[] = [];
  for (const p of await platformPods()) {
    const name = p.metadata?.name ?? '';
    const log = await core.readNamespacedPodLog({ namespace, name, tailLines: 40 }).catch((e: unknown) => String(e));
    out.push(`--- ${name}\n${log}`);
  }
  return out.join('\n');
}

/** Routes the front door to the Services' NodePorts on the real node. */
async function routeFrontDoor(): Promise<void> {
  const nodePort = async (name: string) => {
    const svc = await core.readNamespacedService({ namespace, name: `${RELEASE}-${name}` });
    const port = svc.spec?.ports?.[0]?.nodePort;
    if (!port) throw new Error(`Service ${RELEASE}-${name} has no NodePort`);
    return { host: NODE_IP, port };
  };
  front.route(await nodePort('api'), await nodePort('gateway'));
}

async function helmOrThrow(args: string[]): Promise<void> {
  const r = await helm(cluster.kubeconfig, [...args, '--namespace', namespace], 600_000);
  if (r.code !== 0) throw new Error(`helm ${args[0]} failed: ${r.stderr}\n${await podLogs()}`);
}

beforeAll(async () => {
  const tag = Date.now().toString(36);
  const platformImage = await buildPlatformImage();
  images = { first: platformImage, second: await retag(platformImage, `${platformImage.split(':').pop()}-${tag}`) };
  // linux-basics and the storage helper's base, into the node's registry (cached: seconds).
  await buildImages({ LAB_IMAGE_REGISTRY: cluster.labImageRegistry, LAB_IMAGE_REGISTRY_INSECURE: '1' });

  const ns = await createTestNamespace(kc, 'platform');
  namespace = ns.name;
  labNamespace = `${ns.name}-labs`;
  cleanups.push(() => ns.remove());
  front = await startFrontDoor();
  cleanups.push(() => front.close());
  const db = await createFreshPostgres('platform_on_node');
  cleanups.push(() => db.drop());
  cleanups.push(() => deleteQueues(queuePrefix));
  const ports = {
    postgres: await forward(hostPort(db.url)),
    redis: await forward(hostPort(TEST_REDIS_URL)),
    amqp: await forward(hostPort(TEST_AMQP_URL)),
    minio: await forward(hostPort(cluster.s3Endpoint)),
  };
  const values = overrides(db, ports, images.first);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'autolabs-platform-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  valuesFile = path.join(dir, 'overrides.yaml');
  writeFileSync(valuesFile, stringify(values));
  Object.assign(app, { baseUrl: front.url, dataDir: dir, accounts: await seed(db, values.s3.buckets, path.join(dir, 'seed')) });

  // Registered before the install, so a failed install is removed too; runs before the namespace goes.
  cleanups.push(async () => {
    await helm(cluster.kubeconfig, ['uninstall', RELEASE, '--namespace', namespace, '--wait', '--timeout', '3m'], 300_000);
  });
  await helmOrThrow(['install', RELEASE, chart, ...dev.args, '-f', valuesFile, '--wait', '--timeout', '8m']);
  await routeFrontDoor();
}, 1_800_000);

const browser = useBrowser();

describe('helm install with values-dev.yaml on the real node', () => {
  it('runs the API, workers and gateway as pods of the platform image on the real node, non-root, from compiled JavaScript', async () => {
    const pods = await platformPods();
    expect(pods.map((p) => p.metadata?.labels?.['app.kubernetes.io/component']).sort()).toEqual([...COMPONENTS]);
    for (const p of pods) {
      const name = p.metadata?.name ?? '';
      expect([name, p.status?.phase, p.spec?.nodeName]).toEqual([name, 'Running', REAL_NODE_NAME]);
      const c = p.spec?.containers[0];
      expect(c?.image).toBe(images.first);
      expect(c?.command?.slice(0, 2)).toEqual(['node', '--enable-source-maps']);
      expect(c?.command?.[2]).toMatch(/\.js$/);
      expect(p.status?.containerStatuses?.[0]?.ready, `${name}: ${JSON.stringify(p.status?.containerStatuses)}`).toBe(true);
      const container = c?.name ?? '';
      const who = await execOnce(kc, { namespace, pod: name, container }, ['sh', '-c', 'id -u; id -g; node --version; ls /app/node_modules/tsx 2>&1 | head -1']);
      // This machine's Node.js, copied into the image; no TypeScript loader installed beside the app.
      expect(who.stdout.split('\n').slice(0, 3)).toEqual(['10001', '10001', process.version]);
      expect(who.stdout).toMatch(/No such file or directory/);
    }
  });

  it('a student signs in to the web app the API pod serves, starts a lab, and the terminal echoes what they type', async () => {
    const { page } = browser;
    await login(page, app, 'student');
    const config = bundledLabConfig('linux-basics');
    const card = await startFromMyLabs(page, app, config, START_TIMEOUT_MS).catch(async (e: unknown) => {
      throw new Error(`${(e as Error).message}\n${await podLogs()}`);
    });
    const labPods = await core.listNamespacedPod({ namespace: labNamespace });
    expect(labPods.items.map((p) => [p.status?.phase, p.spec?.nodeName])).toEqual([['Running', REAL_NODE_NAME]]);

    await card.getByRole('link', { name: 'Open terminal' }).click();
    await waitForTerminalState(page, 'live', 30_000);
    await waitForTerminal(page, PROMPT_AT_END, 30_000);
    await page.getByTestId('terminal').click();
    const echo = await typeCommand(page, 'echo "hello from $(hostname) as $(id -un)"', 'echo');
    // The lab pod's hostname is the lab's (KubernetesRuntime sets spec.hostname).
    expect(echo.screen).toMatch(new RegExp(`^hello from ${labPods.items[0].spec?.hostname} as student\\s*$`, 'm'));
  }, 900_000);
});

/** Pod names of the release by component, once every component has exactly one pod of `image` Ready. */
async function rolledTo(image: string): Promise<Record<string, string>> {
  return waitFor(
    `one Ready pod of ${image} per component`,
    async () => {
      const pods = await platformPods();
      const ready = pods.filter((p) => p.spec?.containers[0]?.image === image && p.status?.containerStatuses?.[0]?.ready);
      if (pods.length !== COMPONENTS.length || ready.length !== COMPONENTS.length) return undefined;
      return Object.fromEntries(ready.map((p) => [p.metadata?.labels?.['app.kubernetes.io/component'] ?? '', p.metadata?.name ?? '']));
    },
    300_000,
  );
}

describe('helm upgrade and helm rollback while a terminal is open', () => {
  it('replace every pod (new image, then the old one again); each time the open terminal reconnects by itself to a new shell in the same lab, whose files are kept', async () => {
    const { page } = browser;
    const config = bundledLabConfig('linux-basics');
    const before = await rolledTo(images.first);
    const labPod = (await core.listNamespacedPod({ namespace: labNamespace })).items[0]?.metadata?.name;
    await typeCommand(page, 'echo "written before the upgrade" > ~/upgrade-mark; export UPGRADE_VAR=set', 'mark');

    const roll = async (action: string[], image: string, previous: Record<string, string>) => {
      await helmOrThrow([...action, '--wait', '--timeout', '8m']);
      const now = await rolledTo(image);
      for (const c of COMPONENTS) expect(now[c], `${c} pod replaced`).not.toBe(previous[c]);
      // The old gateway closed the terminal with SHUTTING_DOWN; the page reconnects with a new ticket through
      // the same origin, which the Service now sends to the new gateway pod.
      await waitFor(`the old gateway pod ${previous.gateway} to be gone`, async () =>
        (await platformPods()).some((p) => p.metadata?.name === previous.gateway) ? undefined : true, 120_000);
      await waitForTerminalState(page, 'live', 120_000);
      await page.getByTestId('terminal').click();
      const marker = `after-${action[0]}`;
      // The shell is a new one: it lived in the replaced gateway pod's exec stream (the hub holds a session's
      // backend in the process that opened it), so its variables are gone while the lab's files remain.
      const after = await typeCommand(page, `echo "${marker} $(id -un) $(cat ~/upgrade-mark) var=\${UPGRADE_VAR:-gone}"`, marker);
      expect(after.screen).toMatch(new RegExp(`^${marker} student written before the upgrade var=gone\\s*$`, 'm'));
      return now;
    };

    const upgraded = await roll(['upgrade', RELEASE, chart, ...dev.args, '-f', valuesFile, '--set', `image.tag=${images.second.split(':').pop()}`], images.second, before);
    await roll(['rollback', RELEASE, '1'], images.first, upgraded);

    const history = await helm(cluster.kubeconfig, ['history', RELEASE, '--namespace', namespace, '-o', 'json']);
    const revisions = (JSON.parse(history.stdout) as { revision: number; status: string; description: string }[]).map((r) => [r.revision, r.status]);
    expect(revisions).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'deployed'],
    ]);
    // The lab pod was never touched by the rollouts.
    const labPods = (await core.listNamespacedPod({ namespace: labNamespace })).items.map((p) => p.metadata?.name);
    expect(labPods).toEqual([labPod]);
    await stopFromMyLabs(page, app, config);
  }, 1_800_000);
});

type Rule = string;

/** Every (group, resource, verb) a rule grants, as "group/resource verb"; names of resources kept. */
function flatten(rules: { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] }[]): Rule[] {
  const out = new Set<Rule>();
  for (const r of rules)
    for (const g of r.apiGroups ?? [''])
      for (const res of r.resources ?? [])
        for (const v of r.verbs) out.add(`${g}/${res} ${v}${r.resourceNames?.length ? ` [${r.resourceNames.join(',')}]` : ''}`);
  return [...out].sort();
}

/** What `kubectl auth can-i --list -n <namespace>` shows to a ServiceAccount: a SelfSubjectRulesReview made with its own token. */
async function canIList(serviceAccount: string, inNamespace: string): Promise<Rule[]> {
  const token = await core.createNamespacedServiceAccountToken({ namespace, name: serviceAccount, body: { spec: { audiences: [], expirationSeconds: 600 } } });
  const admin = kc.getCurrentCluster();
  if (!admin) throw new Error('no cluster in the kubeconfig');
  const as = new KubeConfig();
  as.loadFromOptions({
    clusters: [admin],
    users: [{ name: serviceAccount, token: token.status?.token }],
    contexts: [{ name: 'sa', cluster: admin.name, user: serviceAccount }],
    currentContext: 'sa',
  });
  const review = await as.makeApiClient(AuthorizationV1Api).createSelfSubjectRulesReview({ body: { spec: { namespace: inNamespace } } });
  expect(review.status?.incomplete).toBe(false);
  return flatten((review.status?.resourceRules ?? []) as V1ResourceRule[]);
}

describe('least privilege of the chart ServiceAccounts', () => {
  it('each ServiceAccount can do exactly what its Role in the lab namespace says there, and nothing anywhere else beyond what every account gets', async () => {
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    // What any authenticated account may do (system:basic-user, system:discovery): the baseline.
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'baseline' } } });
    const baseline = await canIList('baseline', labNamespace);
    expect(baseline.every((r) => r.startsWith('authorization.k8s.io/') || r.startsWith('authentication.k8s.io/'))).toBe(true);

    const pods = await platformPods();
    const accountOf = Object.fromEntries(pods.map((p) => [p.metadata?.labels?.['app.kubernetes.io/component'], p.spec?.serviceAccountName]));
    expect(accountOf).toEqual({ api: `${RELEASE}-runtime`, worker: `${RELEASE}-runtime`, gateway: `${RELEASE}-gateway` });

    for (const [sa, role] of [
      [`${RELEASE}-runtime`, `${RELEASE}-lab-runtime`],
      [`${RELEASE}-gateway`, `${RELEASE}-lab-terminal`],
    ]) {
      const granted = flatten((await rbac.readNamespacedRole({ namespace: labNamespace, name: role })).rules ?? []);
      const inLabs = await canIList(sa, labNamespace);
      expect(inLabs.filter((r) => !baseline.includes(r)), `${sa} in ${labNamespace}`).toEqual(granted);
      for (const elsewhere of [namespace, 'default', 'kube-system']) {
        expect(await canIList(sa, elsewhere), `${sa} in ${elsewhere}`).toEqual(baseline);
      }
    }
    // And the Roles are the calls the code makes (kube-client.ts, k8s-exec-backend.ts), nothing more.
    const roleOf = async (name: string) => flatten((await rbac.readNamespacedRole({ namespace: labNamespace, name })).rules ?? []);
    expect(await roleOf(`${RELEASE}-lab-terminal`)).toEqual(['/pods/exec create', '/pods/exec get']);
    expect(await roleOf(`${RELEASE}-lab-runtime`)).toEqual(
      [
        ...['pods', 'services', 'persistentvolumeclaims'].flatMap((r) => [`/${r} create`, `/${r} delete`, `/${r} get`, `/${r} list`]),
        '/pods/exec create',
        '/pods/exec get',
        ...['create', 'delete', 'get', 'list'].map((v) => `networking.k8s.io/networkpolicies ${v}`),
      ].sort(),
    );
  });
});
