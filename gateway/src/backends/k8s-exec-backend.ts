/**
 * TerminalBackend over a Kubernetes exec with a TTY, for targets of kind 'k8s-exec' (labs run by the
 * KubernetesRuntime). One WebSocket to the apiserver (client-node's Exec) carries the channels: stdin 0,
 * stdout 1 (a TTY merges stderr into it), status 3 (the final V1Status, read by exitCodeOf), resize 4.
 *
 * Flow control maps onto the WebSocket: `pause` stops reading its TCP socket, so the apiserver, then the
 * kubelet, then the process block on write; `resume` reads again. Closing from our side closes the
 * WebSocket (a hang-up of the terminal); whether the container runtime then kills the process is up to
 * the kubelet, as with `kubectl exec`.
 */
import { Readable, Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import type WebSocket from 'ws';
import { AppError } from '@autolabs/common/errors/app-error';
import type { Disposable } from '@autolabs/common/disposable';
import type { TerminalTarget } from '@autolabs/common/lab-access/terminal-target';
import { exitCodeOf } from '@autolabs/common/lab-access/kubernetes/exec-status';
import { BackendEvents } from './backend-events';
import type { ExitStatus, TerminalBackend, TerminalSize } from './terminal-backend';

type ExecTarget = Extract<TerminalTarget, { kind: 'k8s-exec' }>;

/** How long a close handshake may take before the socket is cut. */
const CLOSE_GRACE_MS = 2000;
/** An apiserver that accepts the connection but never answers the upgrade must not hang the attach. */
const OPEN_TIMEOUT_MS = 15_000;

export interface ExecOpenOptions {
  openTimeoutMs?: number;
}

/**
 * The stdout stream handed to Exec. Having `rows`, `columns` and a 'resize' event is what makes
 * client-node send the initial size and every later one on channel 4 (its TerminalSizeQueue).
 */
class TerminalSink extends Writable {
  constructor(
    public rows: number,
    public columns: number,
    private readonly deliver: (chunk: Uint8Array) => void,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.deliver(chunk);
    done();
  }

  resize(size: TerminalSize): void {
    this.rows = size.rows;
    this.columns = size.cols;
    this.emit('resize');
  }
}

export class K8sExecBackend implements TerminalBackend {
  readonly kind = 'k8s-exec' as const;
  private readonly events = new BackendEvents();
  private finalStatus: V1Status | null = null;
  private closing = false;
  private socket: WebSocket | null = null;
  private readonly stdin = new Readable({ read: () => undefined });
  private readonly sink: TerminalSink;

  private constructor(size: TerminalSize) {
    this.sink = new TerminalSink(size.rows, size.cols, (chunk) => this.events.emitData(chunk));
    // client-node ends stdout when the status arrives; a late frame must not become an uncaught error.
    this.sink.on('error', () => undefined);
  }

  static async open(kubeConfig: KubeConfig, target: ExecTarget, size: TerminalSize, opts: ExecOpenOptions = {}): Promise<K8sExecBackend> {
    if (target.command.length === 0) throw new AppError('BAD_INPUT', 'terminal target has an empty command', { field: 'target.command' });
    const backend = new K8sExecBackend(size);
    const where = `pod ${target.namespace}/${target.pod} container ${target.container}`;
    const connecting = new Exec(kubeConfig).exec(target.namespace, target.pod, target.container, target.command, backend.sink, null, backend.stdin, true, (status) => {
      backend.finalStatus = status;
    });
    const timeoutMs = opts.openTimeoutMs ?? OPEN_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    let socket: WebSocket | 'timeout';
    try {
      socket = await Promise.race([connecting, timedOut]);
    } catch (e) {
      // A refused upgrade rejects with a WebSocket ErrorEvent ("Unexpected server response: 404"), not an
      // Error. Only its message is kept: the event holds the socket, whose request carries our credentials.
      const reason = e instanceof Error ? e.message : typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e);
      throw new AppError('RUNTIME_UNAVAILABLE', `the terminal could not be opened in ${where}`, { detail: { reason }, cause: e instanceof Error ? e : undefined });
    } finally {
      clearTimeout(timer);
    }
    if (socket === 'timeout') {
      // Nobody will use a socket that opens after we gave up: close it then, so nothing stays running.
      connecting.then((late) => late.terminate(), () => undefined);
      throw new AppError('RUNTIME_UNAVAILABLE', `the terminal could not be opened in ${where}: the API server did not answer within ${timeoutMs} ms`);
    }
    backend.attach(socket);
    return backend;
  }

  private attach(socket: WebSocket): void {
    this.socket = socket;
    // A lost connection ends the session too; its 'close' follows and reports the exit.
    socket.on('error', () => undefined);
    socket.on('close', () => this.finish());
  }

  private finish(): void {
    if (this.exitStatus) return;
    this.stdin.destroy();
    this.events.emitExit(this.finalStatus ? { code: exitCodeOf(this.finalStatus), signal: null } : { code: null, signal: this.closing ? 'SIGHUP' : null });
  }

  private get exitStatus(): ExitStatus | null {
    return this.events.exitStatus;
  }

  onData(handler: (chunk: Uint8Array) => void): Disposable {
    return this.events.onData(handler);
  }

  onExit(handler: (status: ExitStatus) => void): Disposable {
    return this.events.onExit(handler);
  }

  /** Input not yet handed to the kernel: queued in the stdin stream plus buffered on the WebSocket. */
  get writeBacklogBytes(): number {
    return this.stdin.readableLength + (this.socket?.bufferedAmount ?? 0);
  }

  write(data: Uint8Array | string): void {
    if (this.exitStatus) return;
    this.stdin.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  resize(size: TerminalSize): void {
    if (this.exitStatus) return;
    this.sink.resize(size);
  }

  pause(): void {
    if (!this.exitStatus) this.socket?.pause();
  }

  resume(): void {
    if (!this.exitStatus) this.socket?.resume();
  }

  async close(): Promise<void> {
    if (this.exitStatus || !this.socket) return;
    this.closing = true;
    const socket = this.socket;
    // A paused socket would never read the peer's close frame.
    socket.resume();
    socket.close(1000);
    const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
    await this.events.exited;
    clearTimeout(timer);
  }
}
