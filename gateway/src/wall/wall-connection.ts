/**
 * One class wall socket (wall-protocol.ts): admitted by its first `watch` (a wall ticket: signature,
 * single use, the user not disabled), then fed thumbnails of the ticket's sessions by the replica's WallHub.
 * A later `watch` with a new ticket of the same user replaces the sessions watched. A browser too slow to
 * take the thumbnails skips some (the next change of that screen comes anyway); nothing queues without bound.
 */
import type { FastifyBaseLogger } from 'fastify';
import type WebSocket from 'ws';
import { AppError } from '@autolabs/common/errors/app-error';
import type { VerifiedWallTicket } from '@autolabs/common/tickets/wall-ticket';
import type { AuditEntry } from '../hub/client-sink';
import { CloseCode, LIMITS, type WireErrorCode } from '../protocol/wire';
import { CLOSE_FOR } from '../ws/client-connection';
import { keepAlive } from '../ws/keepalive';
import type { WallHub, WallWatcher } from './wall-hub';
import { parseWatch, type Thumbnail, type WallServerMessage } from './wall-protocol';

/** Unsent bytes past which thumbnails are skipped for this socket. */
export const MAX_WALL_BUFFER_BYTES = 1024 * 1024;

export interface WallConnectionDeps {
  hub: WallHub;
  verify: (token: string) => Promise<VerifiedWallTicket>;
  /** Single use across replicas: throws TICKET_REUSED the second time. */
  claim: (ticket: VerifiedWallTicket) => Promise<void>;
  /** Whether an administrator disabled this user since the ticket was minted. */
  revoked: (userId: string) => Promise<boolean>;
  audit: (entry: Omit<AuditEntry, 'targetType'> & { targetType: string }) => void;
  intervalMs: number;
  helloTimeoutMs?: number;
  /** Called once the socket is admitted or closed (the per-client pending limit). */
  onSettled?: () => void;
  log: FastifyBaseLogger;
}

export function serveWall(socket: WebSocket, deps: WallConnectionDeps): void {
  let ticket: VerifiedWallTicket | null = null;
  let closed = false;
  let settledOnce = false;
  /** Watches are admitted one after the other, in the order they came. */
  let admitting: Promise<void> = Promise.resolve();
  const sids = new Set<string>();
  const watcher: WallWatcher = { sids, thumb: (t) => sendThumb(t) };
  const helloTimeoutMs = deps.helloTimeoutMs ?? LIMITS.helloTimeoutMs;

  const settled = () => {
    if (settledOnce) return;
    settledOnce = true;
    deps.onSettled?.();
  };

  function send(message: WallServerMessage): void {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  }

  function sendThumb(t: Thumbnail): void {
    if (socket.bufferedAmount > MAX_WALL_BUFFER_BYTES) return;
    send({ type: 'thumb', ...t });
  }

  function close(code: number, reason: string): void {
    if (closed) return;
    teardown();
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason.slice(0, 120));
  }

  function teardown(): void {
    closed = true;
    settled();
    clearTimeout(helloTimer);
    keepalive.stop();
    deps.hub.unwatch(watcher);
  }

  function fail(close_: number, code: WireErrorCode, message: string, field?: string): void {
    send({ type: 'error', code, message, ...(field ? { field } : {}) });
    close(close_, message);
  }

  const helloTimer = setTimeout(() => {
    if (!ticket) fail(CloseCode.BAD_HELLO, 'BAD_INPUT', `no watch within ${helloTimeoutMs} ms`);
  }, helloTimeoutMs);

  const keepalive = keepAlive(socket);

  async function admit(token: string): Promise<void> {
    try {
      const next = await deps.verify(token);
      if (closed) return;
      if (ticket && next.sub !== ticket.sub) throw new AppError('FORBIDDEN', 'a wall socket keeps its user', { field: 'ticket.sub' });
      if (await deps.revoked(next.sub)) throw new AppError('FORBIDDEN', 'this account is disabled', { field: 'ticket.sub' });
      await deps.claim(next);
      if (closed) return;
      settled();
      const first = ticket === null || ticket.deploymentId !== next.deploymentId;
      ticket = next;
      clearTimeout(helloTimer);
      sids.clear();
      for (const sid of next.sids) sids.add(sid);
      if (first) {
        deps.audit({ actorId: next.sub, action: 'terminal.wall', targetType: 'lab_deployment', targetId: next.deploymentId, outcome: 'success', detail: { sessions: next.sids.length } });
      }
      send({ type: 'watching', sids: next.sids, intervalMs: deps.intervalMs });
      await deps.hub.watch(watcher);
    } catch (e) {
      if (closed) return;
      const err = e instanceof AppError ? e : null;
      if (!err) deps.log.error({ err: e }, 'wall socket failed');
      const code = (err?.code ?? 'INTERNAL') as WireErrorCode;
      fail((err && CLOSE_FOR[err.code]) ?? CloseCode.INTERNAL, code, err?.message ?? 'internal error', err?.field);
    }
  }

  socket.on('message', (data, isBinary) => {
    keepalive.seen();
    if (closed) return;
    const watch = isBinary ? null : parseWatch(data.toString());
    if (!watch) {
      fail(ticket ? CloseCode.MALFORMED_FRAME : CloseCode.BAD_HELLO, 'BAD_INPUT', 'expected {"type":"watch","ticket":"..."}', 'type');
      return;
    }
    admitting = admitting.then(() => admit(watch.ticket));
  });
  socket.on('close', () => {
    if (!closed) teardown();
  });
  socket.on('error', () => {
    if (!closed) teardown();
  });
}
