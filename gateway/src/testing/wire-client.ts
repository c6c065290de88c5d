/**
 * A terminal client speaking the wire protocol over a real `ws` socket, for integration tests and the
 * benchmark: it acks like the browser does (or stalls on purpose), records every frame, and checks on
 * the fly that output seqs arrive without gaps or duplicates.
 */
import WebSocket from 'ws';
import {
  FrameType,
  PROTOCOL_VERSION,
  decodeServerControl,
  decodeServerFrame,
  encodeControl,
  encodeInputFrame,
  type ClientControlMessage,
  type ServerControlMessage,
} from '../protocol/wire';

export interface WireClientOptions {
  url: string;
  ticket: string;
  cols?: number;
  rows?: number;
  resumeFrom?: number;
  origin?: string;
  /** Extra request headers on the upgrade (e.g. the forwarded marker a peer replica sends). */
  headers?: Record<string, string>;
  /** Source address of the connection (e.g. 127.0.0.2: another client address on loopback). */
  localAddress?: string;
  /** Ack every frame as soon as it arrives (the default), like a browser whose terminal keeps up. */
  autoAck?: boolean;
  /** Keep the output text (off for floods: only counts are kept). */
  keepText?: boolean;
}

export class WireClient {
  readonly socket: WebSocket;
  readonly controls: ServerControlMessage[] = [];
  /** Output text since the last snapshot, prefixed by the snapshot text. */
  text = '';
  lastSeq = 0;
  outputBytes = 0;
  snapshots = 0;
  /** Seq problems seen (a frame whose seq is not lastSeq + 1). Must stay empty. */
  readonly seqErrors: string[] = [];
  closed: Promise<{ code: number; reason: string }>;
  /** The last output characters, kept even when keepText is off (to spot an end marker). */
  tail = '';
  /** Called with every output payload (after seq checks), for latency measurements. */
  onOutput: ((payload: Uint8Array) => void) | null = null;
  /** Ack each frame on arrival; switch off to simulate a terminal that stopped consuming. */
  autoAck: boolean;
  /** Payload bytes received but not acknowledged (while autoAck is off). */
  unacked = 0;
  private readonly decoder = new TextDecoder();
  private listeners: (() => void)[] = [];

  constructor(private readonly opts: WireClientOptions) {
    this.lastSeq = opts.resumeFrom ?? 0;
    this.autoAck = opts.autoAck !== false;
    this.socket = new WebSocket(opts.url, { origin: opts.origin, headers: opts.headers, localAddress: opts.localAddress, perMessageDeflate: false });
    this.socket.binaryType = 'nodebuffer';
    this.closed = new Promise((resolve) => this.socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.socket.on('error', () => undefined);
    this.socket.on('open', () => {
      this.sendControl({
        type: 'hello',
        v: PROTOCOL_VERSION,
        ticket: opts.ticket,
        cols: opts.cols ?? 80,
        rows: opts.rows ?? 24,
        ...(opts.resumeFrom !== undefined ? { resumeFrom: opts.resumeFrom } : {}),
      });
    });
    this.socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) this.onFrame(data);
      else {
        const decoded = decodeServerControl(data.toString('utf8'));
        if (decoded.ok) this.controls.push(decoded.value);
      }
      for (const l of this.listeners) l();
    });
  }

  static async connect(opts: WireClientOptions): Promise<WireClient> {
    const client = new WireClient(opts);
    await client.waitFor('welcome or close', () => client.control('welcome') !== undefined || client.socket.readyState >= WebSocket.CLOSING);
    return client;
  }

  control<T extends ServerControlMessage['type']>(type: T): Extract<ServerControlMessage, { type: T }> | undefined {
    return this.controls.find((c) => c.type === type) as Extract<ServerControlMessage, { type: T }> | undefined;
  }

  controlsOf<T extends ServerControlMessage['type']>(type: T): Extract<ServerControlMessage, { type: T }>[] {
    return this.controls.filter((c) => c.type === type) as Extract<ServerControlMessage, { type: T }>[];
  }

  type(text: string): void {
    this.socket.send(encodeInputFrame(text));
  }

  sendControl(message: ClientControlMessage): void {
    this.socket.send(encodeControl(message));
  }

  sendRaw(data: Buffer | string, binary: boolean): void {
    this.socket.send(data, { binary });
  }

  /** Resolves once `check` holds, re-checked on every message; rejects after `timeoutMs` naming `what`. */
  waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
        this.socket.off('close', listener);
      };
      const listener = () => {
        if (check()) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; output so far: ${JSON.stringify(this.text.slice(-300))}`));
      }, timeoutMs);
      this.listeners.push(listener);
      this.socket.once('close', listener);
    });
  }

  waitForText(pattern: RegExp | string, timeoutMs?: number): Promise<void> {
    const test = typeof pattern === 'string' ? (t: string) => t.includes(pattern) : (t: string) => pattern.test(t);
    return this.waitFor(`output ${String(pattern)}`, () => test(this.text), timeoutMs);
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close(1000);
    return this.closed;
  }

  private onFrame(data: Buffer): void {
    const decoded = decodeServerFrame(data);
    if (!decoded.ok) {
      this.seqErrors.push(decoded.fault.message);
      return;
    }
    const { type, seq, payload } = decoded.value;
    if (type === FrameType.snapshot) {
      this.snapshots++;
      this.lastSeq = seq;
      if (this.opts.keepText !== false) this.text = this.decoder.decode(payload);
    } else {
      if (seq !== this.lastSeq + 1) this.seqErrors.push(`got seq ${seq} after ${this.lastSeq}`);
      this.lastSeq = seq;
      this.outputBytes += payload.byteLength;
      const chunk = this.decoder.decode(payload, { stream: true });
      if (this.opts.keepText !== false) this.text += chunk;
      this.tail = (this.tail + chunk).slice(-256);
      this.onOutput?.(payload);
    }
    if (this.autoAck) this.sendControl({ type: 'ack', seq, bytes: payload.byteLength });
    else this.unacked += payload.byteLength;
  }

  /** Acks everything received so far and acks on arrival from now on. */
  resumeAcking(): void {
    this.autoAck = true;
    if (this.unacked > 0) this.sendControl({ type: 'ack', seq: this.lastSeq, bytes: this.unacked });
    this.unacked = 0;
  }
}
