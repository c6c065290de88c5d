/**
 * TerminalBackend over SSH to the lab's own sshd (the ssh2 client), for targets of kind 'ssh': one
 * connection per terminal, one `shell` channel with a PTY of the hello size; window-change on resize.
 *
 * Trust runs both ways and is never "accept any": the server's host key must be the one the lab published
 * at start (pinned in the signed ticket; anything else is refused with HOST_KEY_MISMATCH before a byte
 * of the session is sent), and we log in with the platform key, whose public half the lab was given as an
 * authorized key. The private key is only handed to ssh2; it is never logged nor put in an error.
 *
 * Flow control maps onto the channel: `pause` stops reading it, so ssh2 stops granting window and sshd,
 * then the shell, block on write. TCP_NODELAY is set on the socket: a keystroke is one small packet
 * that must not wait for an ACK. Closing from our side closes the channel (sshd hangs up the shell, as
 * when an ssh client goes away) and ends the connection; the shell ending closes both from the other side.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel, ServerHostKeyAlgorithm } from 'ssh2';
import { AppError } from '@autolabs/common/errors/app-error';
import type { Disposable } from '@autolabs/common/disposable';
import { BackendEvents } from './backend-events';
import type { ExitStatus, TerminalBackend, TerminalSize } from './terminal-backend';

/** Where the lab's sshd listens and what it must prove; from the signed ticket. */
export interface SshEndpoint {
  host: string;
  port: number;
  username: string;
  /** The lab's host key as published at start: `ssh-ed25519 AAAA...` (a comment after it is ignored). */
  hostKey: string;
}

export interface SshOpenOptions {
  /** The platform's private key (OpenSSH or PEM text, unencrypted). */
  privateKey: string;
  /**
   * A connected stream to the sshd instead of a TCP connection to host:port (a local pod's network
   * namespace is reached through a relay process). Without it we dial host:port ourselves.
   */
  sock?: Duplex;
  /** Handshake and login must finish within this; default 15 s. */
  readyTimeoutMs?: number;
}

const READY_TIMEOUT_MS = 15_000;
/** How long the channel close may take before the connection is cut. */
const CLOSE_GRACE_MS = 2000;
/** A lab that vanished (host down, pod deleted) is noticed after about three missed keepalives. */
const KEEPALIVE_MS = 15_000;

/**
 * ssh2, loaded by the first ssh terminal rather than with the gateway: it brings a native addon and a
 * WebAssembly module with 16 MiB of memory that a gateway without ssh labs never uses (README, "Benchmarks").
 */
async function loadSsh2(): Promise<typeof import('ssh2')> {
  return (await import('ssh2')).default;
}

/** The key type as it appears in the line, and the host-key algorithms that present such a key. */
function pinnedKey(ssh2: typeof import('ssh2'), line: string): { blob: Buffer; algorithms: string[] } {
  const parsed = ssh2.utils.parseKey(line.trim());
  if (parsed instanceof Error || Array.isArray(parsed)) {
    throw new AppError('BAD_INPUT', 'the pinned SSH host key is not a public key line (ssh-ed25519 AAAA...)', { field: 'target.hostKey' });
  }
  const algorithms = parsed.type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [parsed.type];
  return { blob: parsed.getPublicSSH(), algorithms };
}

/** SHA256:... as ssh-keygen -l prints it, for the log line of a mismatch. */
function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export class Ssh2Backend implements TerminalBackend {
  readonly kind = 'ssh' as const;
  private readonly events = new BackendEvents();
  private status: ExitStatus | null = null;
  private closing = false;

  private constructor(
    private readonly client: Client,
    private readonly channel: ClientChannel,
  ) {
    channel.on('data', (chunk: Buffer) => this.events.emitData(chunk));
    // A TTY merges stderr into stdout; sshd still may send extended data (e.g. a forced command's errors).
    channel.stderr.on('data', (chunk: Buffer) => this.events.emitData(chunk));
    channel.on('exit', (code: number | null, signal?: string) => {
      this.status = code === null ? { code: null, signal: signal ?? 'SIGHUP' } : { code, signal: null };
    });
    channel.on('close', () => {
      this.finish();
      client.end();
    });
    // After login, a lost connection ends the session.
    client.on('close', () => this.finish());
  }

  static async open(target: SshEndpoint, size: TerminalSize, opts: SshOpenOptions): Promise<Ssh2Backend> {
    const ssh2 = await loadSsh2();
    const pinned = pinnedKey(ssh2, target.hostKey);
    const where = `the lab's SSH server at ${target.host}:${target.port}`;
    const sock = opts.sock ?? net.connect({ host: target.host, port: target.port });
    if (sock instanceof net.Socket) sock.setNoDelay(true);
    // ssh2 reports the socket's errors as its own; a late one (after a refused open destroyed it) must not go uncaught.
    sock.on('error', () => undefined);
    const client = new ssh2.Client();
    // Errors after the open (and the socket's, which ssh2 re-emits) end in 'close', which reports the exit.
    client.on('error', () => undefined);
    let presented: Buffer | null = null;
    let failed: (e: Error) => void = () => undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        failed = reject;
        client.once('ready', resolve);
        client.on('error', failed);
        client.connect({
          sock,
          username: target.username,
          privateKey: opts.privateKey,
          // Only the pinned key's algorithms: the server then presents that key, not another of its keys.
          algorithms: { serverHostKey: pinned.algorithms as ServerHostKeyAlgorithm[] },
          hostVerifier: (key: Buffer) => {
            presented = key;
            return key.equals(pinned.blob);
          },
          readyTimeout: opts.readyTimeoutMs ?? READY_TIMEOUT_MS,
          keepaliveInterval: KEEPALIVE_MS,
          keepaliveCountMax: 3,
        });
      });
    } catch (e) {
      client.end();
      sock.destroy();
      throw openError(e, where, pinned.blob, presented);
    } finally {
      client.off('error', failed);
    }
    let channel: ClientChannel;
    let closedEarly = () => undefined as void;
    try {
      channel = await new Promise<ClientChannel>((resolve, reject) => {
        closedEarly = () => reject(new Error('the connection closed before the shell started'));
        client.once('close', closedEarly);
        client.shell({ term: 'xterm-256color', cols: size.cols, rows: size.rows }, (err, ch) => (err ? reject(err) : resolve(ch)));
      });
    } catch (e) {
      client.end();
      throw new AppError('RUNTIME_UNAVAILABLE', `${where} did not start a shell`, { detail: { reason: e instanceof Error ? e.message : String(e) }, cause: e });
    } finally {
      client.off('close', closedEarly);
    }
    return new Ssh2Backend(client, channel);
  }

  private finish(): void {
    if (this.events.exitStatus) return;
    this.events.emitExit(this.status ?? { code: null, signal: this.closing ? 'SIGHUP' : null });
  }

  onData(handler: (chunk: Uint8Array) => void): Disposable {
    return this.events.onData(handler);
  }

  onExit(handler: (status: ExitStatus) => void): Disposable {
    return this.events.onExit(handler);
  }

  /** Input the channel holds: queued in the stream plus waiting for the server's window. */
  get writeBacklogBytes(): number {
    return this.channel.writableLength;
  }

  write(data: Uint8Array | string): void {
    if (this.events.exitStatus) return;
    this.channel.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  resize(size: TerminalSize): void {
    if (this.events.exitStatus) return;
    this.channel.setWindow(size.rows, size.cols, 0, 0);
  }

  pause(): void {
    if (!this.events.exitStatus) this.channel.pause();
  }

  resume(): void {
    if (!this.events.exitStatus) this.channel.resume();
  }

  async close(): Promise<void> {
    if (this.events.exitStatus) return;
    this.closing = true;
    // A paused channel would never read the server's close.
    this.channel.resume();
    this.channel.close();
    const timer = setTimeout(() => this.client.destroy(), CLOSE_GRACE_MS);
    await this.events.exited;
    clearTimeout(timer);
  }
}

/** A refused open as the user sees it; the reason (never the key) goes to the log. */
function openError(e: unknown, where: string, pinned: Buffer, presented: Buffer | null): AppError {
  const reason = e instanceof Error ? e.message : String(e);
  if (presented && !presented.equals(pinned)) {
    return new AppError('HOST_KEY_MISMATCH', `${where} presented a host key other than the one the lab published at start; not connecting`, {
      field: 'target.hostKey',
      detail: { pinned: fingerprint(pinned), presented: fingerprint(presented) },
    });
  }
  const level = (e as { level?: string }).level;
  if (level === 'client-authentication') {
    return new AppError('RUNTIME_UNAVAILABLE', `${where} refused the platform key`, { field: 'LAB_SSH_PRIVATE_KEY', detail: { reason } });
  }
  return new AppError('RUNTIME_UNAVAILABLE', `${where} could not be reached`, { detail: { reason }, cause: e instanceof Error ? e : undefined });
}
