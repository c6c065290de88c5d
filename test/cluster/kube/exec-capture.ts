/**
 * Runs a command through @kubernetes/client-node's Exec (WebSocket, v5.channel.k8s.io) and collects its
 * output. With a TTY, the stdout stream carries `rows`/`columns` and emits `resize`, which is how the client
 * library decides to send resize messages on channel 4.
 */
import { PassThrough, Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';

/** A stdout sink that looks like a terminal to the Exec client. */
export class TerminalCapture extends Writable {
  rows: number;
  columns: number;
  text = '';

  constructor(rows: number, columns: number) {
    super();
    this.rows = rows;
    this.columns = columns;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }

  resize(rows: number, columns: number): void {
    this.rows = rows;
    this.columns = columns;
    this.emit('resize');
  }
}

class TextCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

export interface Target {
  namespace: string;
  pod: string;
  container: string;
}

/** Runs to completion without a TTY; resolves with stdout, stderr and the final Status. */
export async function execOnce(kc: KubeConfig, t: Target, command: string[]): Promise<{ stdout: string; stderr: string; status: V1Status }> {
  const stdout = new TextCapture();
  const stderr = new TextCapture();
  const status = await new Promise<V1Status>((resolve, reject) => {
    new Exec(kc).exec(t.namespace, t.pod, t.container, command, stdout, stderr, null, false, resolve).catch(reject);
  });
  return { stdout: stdout.text, stderr: stderr.text, status };
}

/** Opens an interactive TTY session; the caller writes to `stdin` and reads `terminal.text`. */
export async function execTty(
  kc: KubeConfig,
  t: Target,
  command: string[],
  size: { rows: number; columns: number },
): Promise<{ stdin: PassThrough; terminal: TerminalCapture; close(): void }> {
  const stdin = new PassThrough();
  const terminal = new TerminalCapture(size.rows, size.columns);
  const ws = await new Exec(kc).exec(t.namespace, t.pod, t.container, command, terminal, null, stdin, true);
  return {
    stdin,
    terminal,
    close: () => {
      stdin.end();
      ws.close();
    },
  };
}
