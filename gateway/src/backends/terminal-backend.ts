/**
 * The contract between the session hub and whatever runs the shell: a local PTY, a Kubernetes exec, or an
 * SSH session to the lab's own sshd (ssh2). The hub only sees byte streams, a size, flow control and an exit status, so every backend
 * fits behind the same few methods.
 *
 * State semantics:
 * - `open` resolves once the process runs; it rejects with AppError RUNTIME_UNAVAILABLE (or
 *   NOT_AVAILABLE_YET for a target kind this gateway cannot open) and leaves nothing running.
 * - Output is delivered in order through `onData`, as raw bytes (never decoded: a chunk may end inside a
 *   UTF-8 sequence). Data produced before the first `onData` subscription is buffered, not lost.
 * - `pause` stops reading output, so the process blocks on write once the kernel buffer is full
 *   (nothing is dropped); `resume` reads again. Both are idempotent; they are hints for exec/ssh
 *   backends, which map them to their stream's backpressure.
 * - `onExit` fires exactly once, whether the process exited by itself or because of `close`, after the
 *   last `onData`. `code` is null when a signal ended it.
 * - `write` never blocks; `writeBacklogBytes` says how much input the process has not taken yet, so the
 *   hub can refuse input to a program that does not read (memory stays bounded).
 * - after exit, `write`, `resize`, `pause` and `resume` do nothing. `close` is idempotent and resolves
 *   after exit (it kills the process when still running: teardown from our side); the process exiting by
 *   itself is teardown from the other side, reported through `onExit`.
 */
import type { TerminalTarget } from '@autolabs/common/lab-access/terminal-target';
import type { Disposable } from '@autolabs/common/disposable';

export interface TerminalSize {
  cols: number;
  rows: number;
}

export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

export interface TerminalBackend {
  readonly kind: TerminalTarget['kind'];
  onData(handler: (chunk: Uint8Array) => void): Disposable;
  onExit(handler: (status: ExitStatus) => void): Disposable;
  write(data: Uint8Array | string): void;
  readonly writeBacklogBytes: number;
  resize(size: TerminalSize): void;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/** Opens a backend for a target; one per gateway, so tests and the bench can choose the implementation. */
export interface TerminalBackendOpener {
  open(target: TerminalTarget, size: TerminalSize): Promise<TerminalBackend>;
}
