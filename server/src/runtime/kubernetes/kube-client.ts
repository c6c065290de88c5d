/**
 * The thin client the Kubernetes runtime talks through: one method per API call it makes, each turning
 * apiserver failures into AppErrors (kube-errors.ts). No decisions live here beyond the two every caller
 * wants: a create that finds the object already there is an outcome ('exists'), and a read or delete of
 * an object that is not there is null / done. Every request waits its turn in a client-side limit
 * (token-bucket.ts: KUBE_API_QPS, KUBE_API_BURST) and is counted, by verb, in `requests`.
 */
import { PassThrough, Writable, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CoreV1Api,
  Exec,
  KubeConfig,
  NetworkingV1Api,
  type V1NetworkPolicy,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1Service,
  type V1Status,
} from '@kubernetes/client-node';
import { AppError } from '@autolabs/common/errors/app-error';
import { CappedText } from './capped-text';
import { isAlreadyExists, isNotFound, kubeCall } from './kube-errors';
import { TokenBucket } from './token-bucket';

export type CreateOutcome = 'created' | 'exists';

export interface ExecOutput {
  /** The final Status from channel 3; null when none arrived (timeout, or the connection was lost). */
  status: V1Status | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export interface StreamingExecOutput {
  /** As in ExecOutput. */
  status: V1Status | null;
  timedOut: boolean;
  stderr: string;
}

/** client-go's defaults are 5 and 10; a class starting at once needs more, and the apiserver copes. */
export const DEFAULT_API_LIMIT = { qps: 50, burst: 100 };

export interface LabObjects {
  pods: V1Pod[];
  services: V1Service[];
  networkPolicies: V1NetworkPolicy[];
  pvcs: V1PersistentVolumeClaim[];
}

export type Verb = 'create' | 'get' | 'list' | 'delete' | 'exec';

export class KubeClient {
  private readonly core: CoreV1Api;
  private readonly net: NetworkingV1Api;
  private readonly bucket: TokenBucket;
  /** Requests sent so far, by verb (what a benchmark reads to count API calls per lab). */
  readonly requests: Record<Verb, number> = { create: 0, get: 0, list: 0, delete: 0, exec: 0 };

  constructor(
    private readonly kc: KubeConfig,
    limit: { qps: number; burst: number } = DEFAULT_API_LIMIT,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.net = kc.makeApiClient(NetworkingV1Api);
    this.bucket = new TokenBucket(limit.qps, limit.burst);
  }

  /** Waits for a request's turn in the limit and counts it. */
  private async turn(verb: Verb): Promise<void> {
    await this.bucket.take();
    this.requests[verb] += 1;
  }

  /** One API request: its turn, then the call with errors as AppErrors. */
  private async api<T>(verb: Verb, request: () => Promise<T>): Promise<T> {
    await this.turn(verb);
    return kubeCall(request);
  }

  /** The apiserver URL, for messages. */
  get server(): string {
    return this.kc.getCurrentCluster()?.server ?? '(no cluster in the kubeconfig)';
  }

  async namespaceExists(name: string): Promise<boolean> {
    return nullIfMissing(this.api('get', () => this.core.readNamespace({ name }))).then((ns) => ns !== null);
  }

  /** Proves the API is reachable and we may list pods in the namespace (what a namespaced Role allows). */
  async listPodsOnce(namespace: string): Promise<void> {
    await this.api('list', () => this.core.listNamespacedPod({ namespace, limit: 1 }));
  }

  createPvc(namespace: string, body: V1PersistentVolumeClaim): Promise<CreateOutcome> {
    return createdOrExists(this.api('create', () => this.core.createNamespacedPersistentVolumeClaim({ namespace, body })));
  }

  createPod(namespace: string, body: V1Pod): Promise<CreateOutcome> {
    return createdOrExists(this.api('create', () => this.core.createNamespacedPod({ namespace, body })));
  }

  createService(namespace: string, body: V1Service): Promise<CreateOutcome> {
    return createdOrExists(this.api('create', () => this.core.createNamespacedService({ namespace, body })));
  }

  createNetworkPolicy(namespace: string, body: V1NetworkPolicy): Promise<CreateOutcome> {
    return createdOrExists(this.api('create', () => this.net.createNamespacedNetworkPolicy({ namespace, body })));
  }

  readPod(namespace: string, name: string): Promise<V1Pod | null> {
    return nullIfMissing(this.api('get', () => this.core.readNamespacedPod({ namespace, name })));
  }

  readService(namespace: string, name: string): Promise<V1Service | null> {
    return nullIfMissing(this.api('get', () => this.core.readNamespacedService({ namespace, name })));
  }

  readPvc(namespace: string, name: string): Promise<V1PersistentVolumeClaim | null> {
    return nullIfMissing(this.api('get', () => this.core.readNamespacedPersistentVolumeClaim({ namespace, name })));
  }

  readNetworkPolicy(namespace: string, name: string): Promise<V1NetworkPolicy | null> {
    return nullIfMissing(this.api('get', () => this.net.readNamespacedNetworkPolicy({ namespace, name })));
  }

  /** Every lab object in the namespace whose labels match `labelSelector`, by kind (the orphan sweep). */
  async listLabObjects(namespace: string, labelSelector: string): Promise<LabObjects> {
    const [pods, services, policies, pvcs] = await Promise.all([
      this.api('list', () => this.core.listNamespacedPod({ namespace, labelSelector })),
      this.api('list', () => this.core.listNamespacedService({ namespace, labelSelector })),
      this.api('list', () => this.net.listNamespacedNetworkPolicy({ namespace, labelSelector })),
      this.api('list', () => this.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector })),
    ]);
    return { pods: pods.items, services: services.items, networkPolicies: policies.items, pvcs: pvcs.items };
  }

  /** A short grace: a stopped lab has nothing to flush, but the kubelet must still end its containers. */
  async deletePod(namespace: string, name: string, gracePeriodSeconds: number): Promise<void> {
    await nullIfMissing(this.api('delete', () => this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds })));
  }

  async deleteService(namespace: string, name: string): Promise<void> {
    await nullIfMissing(this.api('delete', () => this.core.deleteNamespacedService({ namespace, name })));
  }

  async deleteNetworkPolicy(namespace: string, name: string): Promise<void> {
    await nullIfMissing(this.api('delete', () => this.net.deleteNamespacedNetworkPolicy({ namespace, name })));
  }

  async deletePvc(namespace: string, name: string): Promise<void> {
    await nullIfMissing(this.api('delete', () => this.core.deleteNamespacedPersistentVolumeClaim({ namespace, name })));
  }

  /**
   * Runs a command without a TTY and collects its output (each stream capped at `maxBytes`). When
   * `timeoutMs` passes first, the WebSocket is closed and `timedOut` is set; a kubelet does not promise
   * to kill the command when its stream closes, so a runaway command may go on inside the container.
   */
  async exec(target: { namespace: string; pod: string; container: string }, command: string[], opts: { timeoutMs: number; maxBytes: number }): Promise<ExecOutput> {
    const stdout = new CappedText(opts.maxBytes);
    const stderr = new CappedText(opts.maxBytes);
    let status: V1Status | null = null;
    let timedOut = false;
    try {
      await this.turn('exec');
      const ws = await new Exec(this.kc).exec(target.namespace, target.pod, target.container, command, stdout, stderr, null, false, (s) => {
        status = s;
      });
      timedOut = await closedOrTimedOut(ws, opts.timeoutMs);
    } catch (e) {
      throw execFailure(target, e);
    }
    return { status, timedOut, stdout: stdout.text, stderr: stderr.text };
  }

  /**
   * Runs a command without a TTY, with its stdout written to `io.stdout` (never ended here: the caller
   * decides from the exit status) and, when given, `io.stdin` sent as its stdin and then closed, which
   * needs the v5 channel protocol (an apiserver that cannot close stdin alone is RUNTIME_UNAVAILABLE).
   * Both directions keep backpressure, so a whole volume streams through without being held in memory:
   * the socket stops reading while `io.stdout` is full, and stdin is read only while the socket's send
   * buffer is below STDIN_HIGH_WATER. A failing `io.stdin` closes the exec.
   */
  async execStreaming(
    target: { namespace: string; pod: string; container: string },
    command: string[],
    io: { stdout: Writable; stdin?: Readable; timeoutMs: number; maxStderrBytes: number },
  ): Promise<StreamingExecOutput> {
    const stderr = new CappedText(io.maxStderrBytes);
    let ws: ExecSocket | undefined;
    // The client library writes every frame at once and ends this on the Status; this sink holds the
    // socket while `io.stdout` is full, and drops output once `io.stdout` is gone.
    const stdout = new Writable({
      write(chunk: Buffer, _enc, done) {
        if (io.stdout.destroyed || io.stdout.write(chunk)) return done();
        ws?.pause();
        const go = () => {
          io.stdout.off('drain', go);
          io.stdout.off('close', go);
          ws?.resume();
          done();
        };
        io.stdout.on('drain', go);
        io.stdout.on('close', go);
      },
    });
    const feed = io.stdin ? new PassThrough() : null;
    let status: V1Status | null = null;
    let timedOut = false;
    try {
      await this.turn('exec');
      const socket = (await new Exec(this.kc).exec(target.namespace, target.pod, target.container, command, stdout, stderr, feed, false, (s) => {
        status = s;
      })) as ExecSocket;
      ws = socket;
      const closed = closedOrTimedOut(socket, io.timeoutMs);
      if (io.stdin && feed) {
        if (socket.protocol !== 'v5.channel.k8s.io') {
          socket.close();
          throw new Error(`the apiserver speaks ${socket.protocol || 'an unnamed protocol'}, which cannot close stdin (v5.channel.k8s.io needed)`);
        }
        pumpStdin(io.stdin, feed, socket).catch(() => socket.close());
      }
      timedOut = await closed;
      // Output the sink still holds (it waited for `io.stdout`) is delivered before the exit status counts.
      if (!timedOut) {
        if (!stdout.writableEnded) stdout.end();
        await finished(stdout);
      }
    } catch (e) {
      ws?.close();
      throw execFailure(target, e);
    }
    return { status, timedOut, stderr: stderr.text };
  }
}

/** Resolves when the exec's socket closes (false), or closes it once `timeoutMs` has passed (true). */
function closedOrTimedOut(ws: { on(event: 'close', listener: () => void): unknown; close(): void }, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.close();
      resolve(true);
    }, timeoutMs);
    ws.on('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

function execFailure(target: { namespace: string; pod: string; container: string }, e: unknown): AppError {
  const reason = e instanceof Error ? e.message : typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e);
  return new AppError('RUNTIME_UNAVAILABLE', `exec in pod ${target.namespace}/${target.pod} container ${target.container} failed: ${reason}`, { cause: e });
}

/** What `Exec.exec` resolves with: the `ws` WebSocket (typed loosely by the client library). */
interface ExecSocket {
  readonly protocol: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  pause(): void;
  resume(): void;
  close(): void;
  on(event: 'close', listener: () => void): void;
}

/** Bytes of stdin queued in the socket before we stop reading the source. */
const STDIN_HIGH_WATER = 4 * 1024 * 1024;
const WS_OPEN = 1;

/**
 * Copies the source into the exec's stdin feed (which the client library sends at once), waiting while
 * the socket's send buffer is full; then ends the feed, which sends the v5 close-stdin frame.
 */
async function pumpStdin(source: Readable, feed: PassThrough, ws: ExecSocket): Promise<void> {
  for await (const chunk of source) {
    while (ws.bufferedAmount > STDIN_HIGH_WATER && ws.readyState === WS_OPEN) await delay(5);
    if (ws.readyState !== WS_OPEN) return;
    feed.write(chunk);
  }
  feed.end();
}

async function createdOrExists(create: Promise<unknown>): Promise<CreateOutcome> {
  try {
    await create;
    return 'created';
  } catch (e) {
    if (isAlreadyExists(e)) return 'exists';
    throw e;
  }
}

async function nullIfMissing<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
}
