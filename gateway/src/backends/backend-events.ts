/**
 * The subscription half every TerminalBackend shares: output that arrives before the first subscriber is
 * kept and handed to it (a prompt printed at open is never lost), and the exit status is delivered once,
 * also to a subscriber that comes after the exit.
 */
import type { Disposable } from '@autolabs/common/disposable';
import type { ExitStatus } from './terminal-backend';

export class BackendEvents {
  private readonly dataHandlers = new Set<(chunk: Uint8Array) => void>();
  private readonly exitHandlers = new Set<(status: ExitStatus) => void>();
  private early: Uint8Array[] = [];
  private status: ExitStatus | null = null;
  private markExited!: () => void;
  /** Resolves once the exit has been emitted. */
  readonly exited = new Promise<void>((resolve) => (this.markExited = resolve));

  get exitStatus(): ExitStatus | null {
    return this.status;
  }

  emitData(chunk: Uint8Array): void {
    if (this.dataHandlers.size === 0) this.early.push(chunk);
    for (const h of this.dataHandlers) h(chunk);
  }

  /** The first call wins; later ones are ignored. */
  emitExit(status: ExitStatus): void {
    if (this.status) return;
    this.status = status;
    for (const h of this.exitHandlers) h(status);
    this.markExited();
  }

  onData(handler: (chunk: Uint8Array) => void): Disposable {
    this.dataHandlers.add(handler);
    if (this.early.length > 0) {
      const early = this.early;
      this.early = [];
      for (const chunk of early) handler(chunk);
    }
    return { dispose: () => void this.dataHandlers.delete(handler) };
  }

  onExit(handler: (status: ExitStatus) => void): Disposable {
    const status = this.status;
    if (status) {
      queueMicrotask(() => handler(status));
      return { dispose: () => undefined };
    }
    this.exitHandlers.add(handler);
    return { dispose: () => void this.exitHandlers.delete(handler) };
  }
}
