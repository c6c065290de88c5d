/**
 * TerminalBackend over a local pseudo-terminal (node-pty), for targets of kind 'pty': the embedded
 * runtime's bubblewrap sandbox, or a plain shell in tests and the benchmark.
 */
import { spawn, type IPty } from 'node-pty';
import { accessSync, constants, writeSync } from 'node:fs';
import { AppError } from '@autolabs/common/errors/app-error';
import type { TerminalTarget } from '@autolabs/common/lab-access/terminal-target';
import type { Disposable } from '@autolabs/common/disposable';
import { BackendEvents } from './backend-events';
import type { ExitStatus, TerminalBackend, TerminalSize } from './terminal-backend';

type PtyTarget = Extract<TerminalTarget, { kind: 'pty' }>;

const KILL_GRACE_MS = 2000;

/**
 * node-pty queues writes the pty does not accept yet in a private queue and exposes no size for it.
 * We read it, narrowly typed, because without it a paste into a program that never reads stdin would
 * grow without bound; if a node-pty upgrade renames it, the backlog reads 0 and the unit test fails.
 */
interface PtyWriteInternals {
  _writeStream?: { _fd?: number; _writeQueue?: { buffer: Uint8Array; offset: number }[] };
}

const SIGNALS: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 9: 'SIGKILL', 15: 'SIGTERM' };

export class LocalPtyBackend implements TerminalBackend {
  readonly kind = 'pty' as const;
  private readonly events = new BackendEvents();

  private constructor(private readonly pty: IPty) {
    // With `encoding: null` node-pty hands over Buffers, although its typings say string.
    pty.onData((data: string | Buffer) => this.events.emitData(typeof data === 'string' ? Buffer.from(data, 'utf8') : data));
    pty.onExit(({ exitCode, signal }) =>
      this.events.emitExit(signal ? { code: null, signal: SIGNALS[signal] ?? `signal ${signal}` } : { code: exitCode, signal: null }),
    );
  }

  private get exitStatus(): ExitStatus | null {
    return this.events.exitStatus;
  }

  static async open(target: PtyTarget, size: TerminalSize): Promise<LocalPtyBackend> {
    const [file, ...args] = target.argv;
    if (!file) throw new AppError('BAD_INPUT', 'terminal target has an empty argv', { field: 'target.argv' });
    if (file.includes('/')) {
      try {
        accessSync(file, constants.X_OK);
      } catch (e) {
        throw new AppError('RUNTIME_UNAVAILABLE', 'the terminal program cannot be started', { detail: { file }, cause: e });
      }
    }
    try {
      const pty = spawn(file, args, {
        name: target.env.TERM ?? 'xterm-256color',
        cols: size.cols,
        rows: size.rows,
        cwd: target.cwd,
        env: { TERM: 'xterm-256color', ...target.env },
        encoding: null,
      });
      return new LocalPtyBackend(pty);
    } catch (e) {
      throw new AppError('RUNTIME_UNAVAILABLE', 'the terminal could not be opened', { detail: { file }, cause: e });
    }
  }

  get pid(): number {
    return this.pty.pid;
  }

  onData(handler: (chunk: Uint8Array) => void): Disposable {
    return this.events.onData(handler);
  }

  onExit(handler: (status: ExitStatus) => void): Disposable {
    return this.events.onExit(handler);
  }

  get writeBacklogBytes(): number {
    return this.writeQueue().reduce((n, task) => n + task.buffer.byteLength - task.offset, 0);
  }

  private writeQueue(): { buffer: Uint8Array; offset: number }[] {
    return (this.pty as unknown as PtyWriteInternals)._writeStream?._writeQueue ?? [];
  }

  /**
   * Written to the pty at once when nothing is queued before it (the pty's fd is non-blocking): node-pty
   * writes through libuv's thread pool, a round trip of two thread wake-ups for every keystroke. What the
   * pty does not take now (EAGAIN, a partial write) goes to node-pty's queue, which retries in order.
   */
  write(data: Uint8Array | string): void {
    if (this.exitStatus) return;
    let bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const stream = (this.pty as unknown as PtyWriteInternals)._writeStream;
    if (typeof stream?._fd === 'number' && stream._writeQueue?.length === 0) {
      try {
        bytes = bytes.subarray(writeSync(stream._fd, bytes));
      } catch {
        // EAGAIN (the pty's input is full) or the shell is gone: node-pty's queue retries or reports it.
      }
      if (bytes.byteLength === 0) return;
    }
    this.pty.write(bytes);
  }

  resize(size: TerminalSize): void {
    if (this.exitStatus) return;
    this.pty.resize(size.cols, size.rows);
  }

  pause(): void {
    if (!this.exitStatus) this.pty.pause();
  }

  resume(): void {
    if (!this.exitStatus) this.pty.resume();
  }

  async close(): Promise<void> {
    if (this.exitStatus) return;
    // Input nobody will read: dropping it frees it now and spares node-pty a write to a closed fd.
    this.writeQueue().length = 0;
    this.pty.kill('SIGHUP');
    const timer = setTimeout(() => {
      if (!this.exitStatus) this.pty.kill('SIGKILL');
    }, KILL_GRACE_MS);
    await this.events.exited;
    clearTimeout(timer);
  }
}
