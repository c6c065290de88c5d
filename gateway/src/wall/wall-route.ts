/**
 * Mounts the class wall on the gateway: `GET /gateway/wall` (wall-connection.ts) and this replica's two
 * halves of the thumbnail exchange (thumbnail-publisher.ts for the sessions held here, wall-hub.ts for the
 * walls served here). Admission before the upgrade (origin, pending sockets per client) is the terminal
 * route's, passed in as `onRequest`.
 */
import type { CryptoKey } from 'jose';
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import { AUDIT_CHANNEL, type SessionStore } from '@autolabs/common/session-store/session-store';
import { userTicketsRevoked } from '@autolabs/common/tickets/revoked-users';
import { verifyWallTicket } from '@autolabs/common/tickets/wall-ticket';
import { claimTicket } from '../auth/ticket-gate';
import type { SessionHub } from '../hub/session-hub';
import { ThumbnailPublisher } from './thumbnail-publisher';
import { serveWall } from './wall-connection';
import { WallHub } from './wall-hub';
import { GATEWAY_WALL_PATH } from './wall-protocol';

export interface WallRouteOptions {
  sessions: SessionHub;
  sessionStore: SessionStore;
  ticketPublicKey: CryptoKey;
  intervalMs: number;
  helloTimeoutMs?: number;
  onRequest: onRequestAsyncHookHandler;
  /** The pending slot the upgrade took in `onRequest`, released once the socket is admitted or closed. */
  slotOf: (raw: object) => (() => void) | undefined;
}

export async function mountWall(app: FastifyInstance, opts: WallRouteOptions): Promise<void> {
  const store = opts.sessionStore;
  const publisher = new ThumbnailPublisher({ sessionStore: store, session: (sid) => opts.sessions.session(sid), intervalMs: opts.intervalMs, log: app.log });
  const walls = new WallHub(store, app.log);
  await publisher.start();
  await walls.start();
  app.addHook('onClose', async () => {
    await walls.close();
    await publisher.close();
  });

  app.get(GATEWAY_WALL_PATH, { websocket: true, onRequest: opts.onRequest }, (socket, req) => {
    serveWall(socket, {
      hub: walls,
      verify: (token) => verifyWallTicket(opts.ticketPublicKey, token),
      claim: (ticket) => claimTicket(store, ticket, 'wall ticket'),
      revoked: (userId) => userTicketsRevoked(store, userId),
      audit: (entry) => void store.publish(AUDIT_CHANNEL, entry).catch((err: unknown) => app.log.warn({ err }, 'audit publish failed')),
      intervalMs: opts.intervalMs,
      helloTimeoutMs: opts.helloTimeoutMs,
      onSettled: opts.slotOf(req.raw),
      log: req.log,
    });
  });
}
