/**
 * The class wall's socket to the gateway (gateway/src/wall/wall-protocol.ts): watches with a wall ticket,
 * hands each thumbnail to the page, reconnects with a fresh ticket after a drop (tickets are single use),
 * and stops for good on a refusal a new ticket would not fix (another user, a forged or disabled ticket).
 */
import { CloseCode, GATEWAY_WS_PATH } from '@autolabs/gateway/protocol/wire';
import { GATEWAY_WALL_PATH, type Thumbnail, type WallServerMessage } from '@autolabs/gateway/wall/wall-protocol';
import { gatewaySocketUrl } from '../terminal/transport/gateway-url';
import { backoffDelay, DEFAULT_BACKOFF } from '../terminal/transport/backoff';

export type WallState = { kind: 'connecting' } | { kind: 'live'; intervalMs: number } | { kind: 'reconnecting'; attempt: number } | { kind: 'failed'; message: string };

/** Refusals after which a reconnect would be refused again. */
const FINAL: readonly number[] = [CloseCode.BAD_HELLO, CloseCode.TICKET_INVALID, CloseCode.FORBIDDEN, CloseCode.MALFORMED_FRAME];

/** The wall's URL beside the terminals' (same gateway, same prefix). */
export function wallSocketUrl(gatewayUrl: string, page: { protocol: string; host: string }): string {
  const url = new URL(gatewaySocketUrl(gatewayUrl, page));
  if (url.pathname.endsWith(GATEWAY_WS_PATH)) url.pathname = url.pathname.slice(0, -GATEWAY_WS_PATH.length) + GATEWAY_WALL_PATH;
  return url.toString();
}

export interface WallSocketOptions {
  url: string;
  /** A fresh wall ticket (the API's wall.get). */
  getTicket: () => Promise<string>;
  onThumb: (t: Thumbnail) => void;
  onState: (s: WallState) => void;
}

export class WallSocket {
  private socket: WebSocket | null = null;
  private stopped = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: WallSocketOptions) {
    void this.connect();
  }

  /** Watches the sessions of a newer ticket (students came or went) on the open socket. */
  watch(ticket: string): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: 'watch', ticket }));
  }

  close(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close();
  }

  private async connect(): Promise<void> {
    let ticket: string;
    try {
      ticket = await this.opts.getTicket();
    } catch {
      this.retry();
      return;
    }
    if (this.stopped) return;
    const socket = new WebSocket(this.opts.url);
    this.socket = socket;
    let refusal = '';
    socket.onopen = () => socket.send(JSON.stringify({ type: 'watch', ticket }));
    socket.onmessage = (e: MessageEvent<string>) => {
      const m = JSON.parse(e.data) as WallServerMessage;
      if (m.type === 'thumb') this.opts.onThumb(m);
      else if (m.type === 'watching') {
        this.attempt = 0;
        this.opts.onState({ kind: 'live', intervalMs: m.intervalMs });
      } else refusal = m.message;
    };
    socket.onclose = (e) => {
      if (this.stopped || this.socket !== socket) return;
      if (FINAL.includes(e.code)) this.opts.onState({ kind: 'failed', message: refusal || `the gateway refused the wall (${e.code})` });
      else this.retry();
    };
  }

  private retry(): void {
    if (this.stopped) return;
    this.opts.onState({ kind: 'reconnecting', attempt: this.attempt + 1 });
    this.timer = setTimeout(() => void this.connect(), backoffDelay(this.attempt++, DEFAULT_BACKOFF));
  }
}
