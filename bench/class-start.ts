/**
 * A class starting at once on Kubernetes: BENCH_CLASS students of one course, one per_student deployment,
 * started through RabbitMQ by BENCH_WORKERS worker instances (default 2, each with its own
 * KubernetesRuntime and so its own client-side limit, as separate worker processes would have). Needs the
 * test cluster: `npm run cluster:up`.
 * - BENCH_NODE=kwok (default, BENCH_CLASS 200): on KWOK nodes (pods "run" without containers);
 * - BENCH_NODE=real (BENCH_CLASS 30): on the cluster's real node, each pod a real container from our
 *   autolabs/base image in the node's registry (pushed first, from the image cache), with a local-path
 *   volume; requests are small (10m CPU, 16Mi) so a class fits the node's 2 CPUs.
 *
 * Prints: time from publishing lab.deploy to the first, the median and the last instance running; API
 * requests per lab by verb; the most requests any one worker sent in a 1 s window, beside its limit
 * (burst + qps); and the sustained rate.
 * Usage: npm run bench:class   (BENCH_NODE, BENCH_CLASS, BENCH_WORKERS, BENCH_PREFETCH [10], KUBE_API_QPS [50], KUBE_API_BURST [100])
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import type { Disposable } from '@autolabs/common/disposable';
import { kubeCall } from '@autolabs/server/runtime/kubernetes/kube-errors';
import { DEFAULT_API_LIMIT, type Verb } from '@autolabs/server/runtime/kubernetes/kube-client';
import { KubernetesRuntime } from '@autolabs/server/runtime/kubernetes/kubernetes-runtime';
import { startWorkers } from '@autolabs/server/workers/index';
import { createWorkerFixture, labYaml, seedClassroom, seedDeployment, type WorkerFixture } from '@autolabs/server/workers/testing/worker-fixture';
import { parseClusterEnv, type ClusterEnv } from '../test/cluster/cluster-env';
import { REAL_NODE_NAME, REAL_NODE_TAINT_KEY } from '../test/cluster/kube/real-node';
import { buildImages } from '../test/integration/lab-image-fixture';
import { createTestNamespace, loadKubeConfig } from '../test/cluster/kube/test-namespace';

const REAL = process.env.BENCH_NODE === 'real';
const CLASS = Number(process.env.BENCH_CLASS ?? (REAL ? 30 : 200));
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const PREFETCH = Number(process.env.BENCH_PREFETCH ?? 10);
const LIMIT = { qps: Number(process.env.KUBE_API_QPS ?? DEFAULT_API_LIMIT.qps), burst: Number(process.env.KUBE_API_BURST ?? DEFAULT_API_LIMIT.burst) };
/** KWOK nodes take 110 pods each, as kubelets do by default. */
const PODS_PER_NODE = 110;
const STORAGE_CLASS = 'bench-static';
const SAMPLE_MS = 100;
const log = pino({ level: 'silent' });

function runningCluster(): ClusterEnv {
  try {
    const out = execFileSync('bash', [path.join(import.meta.dirname, '../test/cluster/cluster-up.sh'), '--check'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return parseClusterEnv(out);
  } catch {
    throw new Error('the test cluster is not running: start it with npm run cluster:up');
  }
}

/** Extra KWOK nodes so the class fits; KWOK runs every node annotated as fake. */
async function addKwokNodes(core: CoreV1Api, count: number, tag: string): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `kwok-bench-${tag}-${i}`);
  for (const name of names) {
    await kubeCall(() =>
      core.createNode({
        body: {
          metadata: { name, annotations: { 'kwok.x-k8s.io/node': 'fake' }, labels: { 'kubernetes.io/hostname': name, type: 'kwok' } },
        },
      }),
    );
  }
  return names;
}

/** Static volumes of a class with no provisioner: the PV controller binds each claim of that class to one. */
async function addVolumes(core: CoreV1Api, count: number, tag: string): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `bench-${tag}-${i}`);
  for (const name of names) {
    await kubeCall(() =>
      core.createPersistentVolume({
        body: {
          metadata: { name },
          spec: { storageClassName: STORAGE_CLASS, capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: `/tmp/${name}` } },
        },
      }),
    );
  }
  return names;
}

function runtimeFor(kc: KubeConfig, namespace: string, cluster: ClusterEnv): KubernetesRuntime {
  const common = { kubeConfig: kc, namespace, log, resolveHost: async () => [], apiLimit: LIMIT, startTimeoutMs: 600_000 };
  if (!REAL) return new KubernetesRuntime({ ...common, storageClassName: STORAGE_CLASS });
  return new KubernetesRuntime({
    ...common,
    storageClassName: 'local-path',
    pod: {
      nodeSelector: { 'kubernetes.io/hostname': REAL_NODE_NAME },
      tolerations: [{ key: REAL_NODE_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' }],
      imageRewrites: [{ from: 'docker.io/autolabs/', to: `${cluster.labImageRegistry}/autolabs/` }],
    },
  });
}

/** On the real node: a real container that only waits, small enough that a class fits 2 CPUs. */
const REAL_LAB = `apiVersion: autolabs.io/v1
kind: Lab
metadata: { name: class-lab, title: class-lab }
spec:
  mode: per_student
  containers:
    - name: shell
      image: autolabs/base:bookworm
      command: [sleep, infinity]
      terminal: true
      resources:
        requests: { cpu: 10m, memory: 16Mi }
        limits: { cpu: 100m, memory: 64Mi }
  storage: { size: 16Mi, mountPath: /home/student }
  lifetime: { ttl: 4h, idleTimeout: 1h }
`;

const total = (r: Readonly<Record<Verb, number>>) => Object.values(r).reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  const cluster = runningCluster();
  const kc = loadKubeConfig(cluster.kubeconfig);
  if (REAL) await buildImages({ LAB_IMAGE_REGISTRY: cluster.labImageRegistry, LAB_IMAGE_REGISTRY_INSECURE: '1' });
  const core = kc.makeApiClient(CoreV1Api);
  const ns = await createTestNamespace(kc, 'bench-class');
  const tag = ns.name.slice(-6);
  const nodes = REAL ? [] : await addKwokNodes(core, Math.ceil(CLASS / PODS_PER_NODE), tag);
  const volumes = REAL ? [] : await addVolumes(core, CLASS, tag);
  const runtimes = Array.from({ length: WORKERS }, () => runtimeFor(kc, ns.name, cluster));
  let fx: WorkerFixture | null = null;
  const workers: Disposable[] = [];
  try {
    fx = await createWorkerFixture('bench_class', () => runtimes[0]);
    const room = await seedClassroom(fx, REAL ? REAL_LAB : labYaml('class-lab', { ttl: '4h' }), CLASS);
    for (let i = 0; i < WORKERS; i++) {
      workers.push(await startWorkers({ ...fx.services, runtime: runtimes[i] }, { log, prefetch: PREFETCH, periodicIntervalMs: 0 }));
    }
    // After the workers' start-up reconcile, which would otherwise publish a second lab.deploy for it.
    const deployment = await seedDeployment(fx, room, { owners: room.studentIds });
    // Samples each worker's request count, for the busiest 1 s window.
    const samples: number[][] = runtimes.map(() => []);
    const sampler = setInterval(() => runtimes.forEach((r, i) => samples[i].push(total(r.apiRequests()))), SAMPLE_MS);
    const started = performance.now();
    await fx.services.queue.publish('lab.deploy', { deploymentId: deployment.id });
    const prisma = fx.services.db.prisma;
    /** Seconds after publishing at which the n-th instance was seen running. */
    const runningAt: number[] = [];
    for (;;) {
      const counts = await prisma.labInstance.groupBy({ by: ['status'], where: { deploymentId: deployment.id }, _count: true });
      const running = counts.find((c) => c.status === 'running')?._count ?? 0;
      const failed = counts.find((c) => c.status === 'failed');
      if (failed) throw new Error(`${failed._count} instances failed`);
      while (runningAt.length < running) runningAt.push((performance.now() - started) / 1000);
      if (running === CLASS) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const perWindow = 1000 / SAMPLE_MS;
    const peaks = samples.map((s) => s.reduce((max, v, i) => Math.max(max, v - (s[i - perWindow] ?? 0)), 0));
    const byVerb: Record<string, number> = {};
    for (const r of runtimes) for (const [verb, n] of Object.entries(r.apiRequests())) byVerb[verb] = (byVerb[verb] ?? 0) + n;
    const all = Object.values(byVerb).reduce((a, b) => a + b, 0);
    console.log(`class of ${CLASS} on ${REAL ? 'the real node' : 'KWOK'} through RabbitMQ, ${WORKERS} workers x prefetch ${PREFETCH}, limit ${LIMIT.qps} qps / burst ${LIMIT.burst} per worker`);
    console.log(`running after: first ${runningAt[0].toFixed(1)} s, median ${runningAt[Math.floor(CLASS / 2)].toFixed(1)} s, all ${seconds.toFixed(1)} s`);
    console.log(`API requests per lab: ${(all / CLASS).toFixed(1)} (${Object.entries(byVerb).map(([v, n]) => `${v} ${(n / CLASS).toFixed(1)}`).join(', ')})`);
    console.log(`busiest 1 s per worker: ${peaks.join(', ')} requests (limit ${LIMIT.burst + LIMIT.qps} in the first second, ${LIMIT.qps} after); sustained ${(all / WORKERS / seconds).toFixed(1)} per worker per second`);
  } finally {
    for (const w of workers) await w.dispose();
    await fx?.close();
    await ns.remove();
    for (const name of nodes) await kubeCall(() => core.deleteNode({ name })).catch(() => undefined);
    for (const name of volumes) await kubeCall(() => core.deletePersistentVolume({ name })).catch(() => undefined);
  }
}

await main();
