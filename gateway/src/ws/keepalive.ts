/**
 * Protocol-level pings find connections whose peer vanished without a FIN (a laptop lid closed): every
 * `everyMs` a socket is pinged, and one that neither answered the last ping nor sent anything since
 * (`seen`) is terminated.
 */
import type WebSocket from 'ws';

export const KEEPALIVE_MS = 30_000;

export interface KeepAlive {
  /** The peer sent something: it is alive. */
  seen(): void;
  stop(): void;
}

export function keepAlive(socket: WebSocket, everyMs = KEEPALIVE_MS): KeepAlive {
  let alive = true;
  const timer = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, everyMs);
  socket.on('pong', () => (alive = true));
  return {
    seen: () => (alive = true),
    stop: () => clearInterval(timer),
  };
}
