/**
 * A terminal session lives in the gateway replica that opened it (its PTY or exec stream and its hub).
 * When a client reaches another replica (a browser resuming through the load balancer, a teacher
 * attaching), that replica forwards the connection to the holder instead of refusing it: it opens a
 * WebSocket to the holder's internal URL, sends the client's hello unchanged and pipes every message
 * both ways unchanged. The holder claims the ticket and serves the client as usual, so tickets stay
 * single-use and credits and acks flow end to end. See docs/terminal-protocol.md, "Replicas".
 */
import type { FastifyBaseLogger } from 'fastify';
import WebSocket, { type RawData } from 'ws';
import { CloseCode, GATEWAY_WS_PATH, encodeControl, type WireErrorCode } from '../protocol/wire';

/** Request header naming the replica that forwarded a connection; such a connection is never forwarded again. */
export const FORWARDED_HEADER = 'x-autolabs-forwarded';

/**
 * Bytes either socket may hold unsent. Output is bounded by the client's credit window long before
 * this, so passing it means one side stopped reading: the client is closed with BACKEND_FAILED.
 */
export const MAX_FORWARD_BUFFER_BYTES = 4 * 1024 * 1024;

/** Client messages queued while the peer socket opens; the holder allows as many before its welcome. */
const MAX_QUEUED_MESSAGES = 64;
const KEEPALIVE_MS = 30_000;

export interface PeerForwardOptions {
  /** The holder's internal URL (SessionRecord.gatewayUrl): http(s) or ws(s), optionally with a path prefix. */
  gatewayUrl: string;
  /** This replica's id, sent in FORWARDED_HEADER. */
  gatewayId: string;
  /** The client's hello text, sent on as it came. */
  hello: string;
  log: FastifyBaseLogger;
}

/** The peer half of a forwarded connection, driven by the client half. */
export interface PeerLink {
  /** A client message, sent on unchanged (queued in order until the peer socket is open). */
  send(data: RawData, isBinary: boolean): void;
  /** The client went away: close the peer socket. Idempotent. */
  close(): void;
}

/** The peer's WebSocket URL and the Origin its origin check admits as its own. */
export function peerEndpoint(gatewayUrl: string): { url: string; origin: string } {
  const base = new URL(gatewayUrl);
  const secure = base.protocol === 'https:' || base.protocol === 'wss:';
  const prefix = base.pathname.replace(/\/+$/, '');
  return { url: `${secure ? 'wss' : 'ws'}://${base.host}${prefix}${GATEWAY_WS_PATH}`, origin: `${secure ? 'https' : 'http'}://${base.host}` };
}

export function forwardToPeer(client: WebSocket, opts: PeerForwardOptions): PeerLink {
  const { url, origin } = peerEndpoint(opts.gatewayUrl);
  const peer = new WebSocket(url, { origin, headers: { [FORWARDED_HEADER]: opts.gatewayId }, perMessageDeflate: false });
  const queue: { data: Buffer | ArrayBuffer; isBinary: boolean }[] = [];
  let opened = false;
  let done = false;
  let alive = true;

  // Keystroke echoes are tiny: Nagle's algorithm would hold them for up to 40 ms on this hop too.
  peer.on('upgrade', (res) => res.socket.setNoDelay(true));
  peer.on('open', () => {
    opened = true;
    peer.send(opts.hello);
    for (const m of queue.splice(0)) toPeer(m.data, m.isBinary);
  });
  peer.on('message', (data, isBinary) => {
    if (client.readyState !== WebSocket.OPEN) return;
    client.send(flat(data), { binary: isBinary });
    if (client.bufferedAmount > MAX_FORWARD_BUFFER_BYTES) overflow('client');
  });
  peer.on('pong', () => (alive = true));
  peer.on('close', (code, reason) => {
    clearInterval(keepalive);
    if (done) return;
    done = true;
    if (!opened) {
      opts.log.warn({ peer: url }, 'forwarding a terminal connection failed: peer unreachable');
      sendError(client, 'RUNTIME_UNAVAILABLE', 'the gateway serving this terminal is unreachable; try again');
      return closeClient(CloseCode.BACKEND_FAILED, 'peer unreachable');
    }
    // The peer's code is the client's answer; 1005 (no code), 1006 (connection lost) and other protocol
    // codes only say that the hop to the peer failed.
    const mirrored = code === CloseCode.NORMAL || code === 1001 || (code >= 3000 && code <= 4999);
    closeClient(mirrored ? code : CloseCode.BACKEND_FAILED, reason.toString());
  });
  // 'error' is followed by 'close'; it must be handled so it does not crash the process.
  peer.on('error', (err) => opts.log.debug({ err: err.message, peer: url }, 'peer websocket error'));

  // A holder that vanished without a FIN is found by pings, as client-connection finds browsers.
  const keepalive = setInterval(() => {
    if (peer.readyState !== WebSocket.OPEN) return;
    if (!alive) return peer.terminate();
    alive = false;
    peer.ping();
  }, KEEPALIVE_MS);

  function toPeer(data: Buffer | ArrayBuffer, isBinary: boolean): void {
    peer.send(data, { binary: isBinary });
    if (peer.bufferedAmount > MAX_FORWARD_BUFFER_BYTES) overflow('peer');
  }

  function overflow(side: 'client' | 'peer'): void {
    opts.log.warn({ peer: url, side }, 'forwarded terminal connection closed: send buffer over its bound');
    done = true;
    peer.terminate();
    closeClient(CloseCode.BACKEND_FAILED, 'forwarding buffer overflow');
  }

  function closeClient(code: number, reason: string): void {
    if (client.readyState === WebSocket.OPEN || client.readyState === WebSocket.CONNECTING) client.close(code, reason.slice(0, 120));
  }

  return {
    send(data, isBinary) {
      if (done) return;
      if (opened) return toPeer(flat(data), isBinary);
      if (queue.length >= MAX_QUEUED_MESSAGES) {
        done = true;
        peer.terminate();
        sendError(client, 'BAD_INPUT', 'too many messages before welcome');
        return closeClient(CloseCode.MALFORMED_FRAME, 'too many messages before welcome');
      }
      queue.push({ data: flat(data), isBinary });
    },
    close() {
      done = true;
      clearInterval(keepalive);
      if (peer.readyState === WebSocket.CONNECTING) peer.terminate();
      else if (peer.readyState === WebSocket.OPEN) peer.close(CloseCode.NORMAL);
    },
  };
}

function sendError(client: WebSocket, code: WireErrorCode, message: string): void {
  if (client.readyState === WebSocket.OPEN) client.send(encodeControl({ type: 'error', code, message }));
}

function flat(data: RawData): Buffer | ArrayBuffer {
  return Array.isArray(data) ? Buffer.concat(data) : data;
}
