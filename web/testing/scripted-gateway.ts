/**
 * Test helper: a real WebSocket server (the `ws` package on port 0) that speaks the gateway's wire
 * protocol the way a test scripts it. Each accepted connection is exposed so a test can send frames,
 * read what the client sent and close with a chosen code. Not a gateway: it has no sessions or PTYs.
 */
import { WebSocketServer, WebSocket as NodeWebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import {
  encodeControl,
  encodeServerFrame,
  FrameType,
  PROTOCOL_VERSION,
  type ClientControlMessage,
  type ServerControlMessage,
  type WelcomeMessage,
} from '@autolabs/gateway/protocol/wire';
import type { WebSocketLike } from '../src/terminal/transport/terminal-socket';

export interface ScriptedConnection {
  socket: NodeWebSocket;
  url: string;
  controls: ClientControlMessage[];
  inputs: string[];
  nextControl(type: ClientControlMessage['type']): Promise<ClientControlMessage>;
  welcome(patch?: Partial<WelcomeMessage>): void;
  output(seq: number, text: string | Uint8Array): void;
  snapshot(seq: number, text: string): void;
  control(message: ServerControlMessage): void;
}

export class ScriptedGateway {
  readonly connections: ScriptedConnection[] = [];
  private waiters: ((c: ScriptedConnection) => void)[] = [];
  private constructor(private readonly server: WebSocketServer) {}

  static async start(): Promise<ScriptedGateway> {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const gateway = new ScriptedGateway(server);
    server.on('connection', (socket, req) => gateway.accept(socket, req.url ?? ''));
    return gateway;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/gateway/ws`;
  }

  /** Resolves with the n-th connection (0-based) once it is open. */
  connection(n: number): Promise<ScriptedConnection> {
    if (this.connections[n]) return Promise.resolve(this.connections[n]);
    return new Promise((resolve) => {
      const check = () => {
        if (this.connections[n]) resolve(this.connections[n]);
        else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: NodeWebSocket, url: string): void {
    const controls: ClientControlMessage[] = [];
    const inputs: string[] = [];
    const pending: { type: string; resolve: (m: ClientControlMessage) => void }[] = [];
    socket.on('message', (data, isBinary) => {
      const bytes = data as Buffer;
      if (isBinary) {
        inputs.push(new TextDecoder().decode(bytes.subarray(1)));
        return;
      }
      const m = JSON.parse(bytes.toString('utf8')) as ClientControlMessage;
      controls.push(m);
      const i = pending.findIndex((p) => p.type === m.type);
      if (i >= 0) pending.splice(i, 1)[0].resolve(m);
    });
    const send = (message: ServerControlMessage) => socket.send(encodeControl(message));
    const connection: ScriptedConnection = {
      socket,
      url,
      controls,
      inputs,
      nextControl(type) {
        const seen = controls.find((m) => m.type === type && !consumed.has(m));
        if (seen) {
          consumed.add(seen);
          return Promise.resolve(seen);
        }
        return new Promise((resolve) =>
          pending.push({
            type,
            resolve: (m) => {
              consumed.add(m);
              resolve(m);
            },
          }),
        );
      },
      welcome(patch = {}) {
        send({
          type: 'welcome',
          v: PROTOCOL_VERSION,
          sessionId: 's1',
          clientId: `c${gatewayIndex}`,
          userId: 'u-student',
          mode: 'owner',
          seq: 0,
          readOnly: false,
          recording: false,
          cols: 80,
          rows: 24,
          viewers: [],
          ...patch,
        });
      },
      output(seq, text) {
        const payload = typeof text === 'string' ? new TextEncoder().encode(text) : text;
        socket.send(encodeServerFrame(FrameType.output, seq, payload));
      },
      snapshot(seq, text) {
        socket.send(encodeServerFrame(FrameType.snapshot, seq, new TextEncoder().encode(text)));
      },
      control: send,
    };
    const consumed = new Set<ClientControlMessage>();
    const gatewayIndex = this.connections.length;
    this.connections.push(connection);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(connection);
  }
}

/** The `ws` client as the transport's socket (node has no global WebSocket on Node 20). */
export function nodeSocket(url: string): WebSocketLike {
  return new NodeWebSocket(url) as unknown as WebSocketLike;
}
