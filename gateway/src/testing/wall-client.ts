/**
 * A class wall socket for tests and the benchmark: sends a watch with a wall ticket, keeps every message,
 * and waits for the ones a test expects. Also mints wall tickets the way the API does (wall.get).
 */
import WebSocket from 'ws';
import { mintWallTicket, type WallClaims } from '@autolabs/common/tickets/wall-ticket';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { GATEWAY_WS_PATH } from '../protocol/wire';
import { GATEWAY_WALL_PATH, type Thumbnail, type WallServerMessage } from '../wall/wall-protocol';

export function mintTestWallTicket(key: CryptoKey, sids: string[], claims: Partial<WallClaims> & { ttlSeconds?: number } = {}): Promise<string> {
  const { ttlSeconds = 60, ...rest } = claims;
  return mintWallTicket(key, { sub: 'teacher-1', deploymentId: 'deployment-1', sids, ...rest }, ttlSeconds);
}

/** The wall URL of a gateway whose terminal URL is `terminalUrl` (GatewayFixture.url). */
export function wallUrlOf(terminalUrl: string): string {
  return terminalUrl.replace(GATEWAY_WS_PATH, GATEWAY_WALL_PATH);
}

export class WallClient {
  readonly socket: WebSocket;
  readonly messages: WallServerMessage[] = [];
  /** Bytes of every message received. */
  bytes = 0;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string, ticket: string | null, origin = 'http://app.test') {
    this.socket = new WebSocket(url, { origin, perMessageDeflate: false });
    this.closed = new Promise((resolve) => this.socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.socket.on('error', () => undefined);
    this.socket.on('message', (data: Buffer) => {
      this.bytes += data.byteLength;
      this.messages.push(JSON.parse(data.toString('utf8')) as WallServerMessage);
    });
    if (ticket !== null) this.socket.on('open', () => this.watch(ticket));
  }

  watch(ticket: string): void {
    this.socket.send(JSON.stringify({ type: 'watch', ticket }));
  }

  thumbs(sid?: string): Thumbnail[] {
    return this.messages.filter((m): m is Thumbnail & { type: 'thumb' } => m.type === 'thumb' && (sid === undefined || m.sid === sid));
  }

  /** The first thumbnail of `sid` whose text matches `pattern`. */
  async thumbShowing(sid: string, pattern: string | RegExp, timeoutMs = 15_000): Promise<Thumbnail> {
    const find = () => this.thumbs(sid).find((t) => (typeof pattern === 'string' ? t.lines.join('\n').includes(pattern) : pattern.test(t.lines.join('\n'))));
    await waitFor(`a thumbnail of ${sid} showing ${String(pattern)}`, () => find() !== undefined, timeoutMs);
    return find()!;
  }

  async watching(count = 1): Promise<string[]> {
    const all = () => this.messages.filter((m) => m.type === 'watching');
    await waitFor(`watching #${count}`, () => all().length >= count);
    const m = all()[count - 1];
    return m.type === 'watching' ? m.sids : [];
  }

  close(): void {
    this.socket.close();
  }
}
