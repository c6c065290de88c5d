/**
 * The terminal gateway as a fastify plugin: registers `GET /gateway/ws` and nothing process-level, so
 * the embedded server, the standalone gateway process and tests all mount the same thing.
 */
import type { CryptoKey } from 'jose';
import websocket from '@fastify/websocket';
import type { KubeConfig } from '@kubernetes/client-node';
import type { FastifyPluginAsync } from 'fastify';
import type { ObjectStore } from '@autolabs/server/infra/object-store/object-store';
import type { SessionStore } from '@autolabs/server/infra/session-store/session-store';
import { originAllowed } from './auth/origin-check';
import { admitTicket } from './auth/ticket-gate';
import { createBackendOpener } from './backends/backend-opener';
import type { TerminalBackendOpener } from './backends/terminal-backend';
import type { BatcherOptions } from './hub/flow-control';
import { SessionHub } from './hub/session-hub';
import { CloseCode, GATEWAY_WS_PATH, LIMITS } from './protocol/wire';
import { serveConnection } from './ws/client-connection';

export interface GatewayPluginOptions {
  sessionStore: SessionStore;
  objectStore: ObjectStore;
  ticketPublicKey: CryptoKey;
  gatewayId: string;
  /** Origins allowed besides the gateway's own; '*' allows any (development only). */
  allowedOrigins: string[];
  graceSeconds: number;
  recordingsBucket: string;
  /** Defaults to the local PTY opener, plus Kubernetes exec when `kubeConfig` is given. */
  backends?: TerminalBackendOpener;
  /** Credentials for k8s-exec terminal targets (LAB_RUNTIME=kubernetes). */
  kubeConfig?: KubeConfig;
  /** Output history kept per session for resume (bytes). */
  ringBytes?: number;
  batching?: BatcherOptions;
  creditWindowBytes?: number;
}

export const gatewayPlugin: FastifyPluginAsync<GatewayPluginOptions> = async (app, opts) => {
  await opts.objectStore.ensureBucket(opts.recordingsBucket);
  const hub = new SessionHub({
    sessionStore: opts.sessionStore,
    objectStore: opts.objectStore,
    recordingsBucket: opts.recordingsBucket,
    gatewayId: opts.gatewayId,
    graceSeconds: opts.graceSeconds,
    backends: opts.backends ?? createBackendOpener({ kubeConfig: opts.kubeConfig }),
    log: app.log,
    ringBytes: opts.ringBytes,
    batching: opts.batching,
    creditWindowBytes: opts.creditWindowBytes,
  });
  await hub.start();

  await app.register(websocket, {
    options: { maxPayload: LIMITS.maxFrameBytes },
    // Sessions first (their clients get SHUTTING_DOWN and the shells are ended), then any socket still
    // waiting for its hello, then the server.
    preClose: async () => {
      await hub.close(CloseCode.SHUTTING_DOWN);
      for (const client of app.websocketServer.clients) client.close(CloseCode.SHUTTING_DOWN, 'the gateway is shutting down');
      await new Promise<void>((resolve) => app.websocketServer.close(() => resolve()));
    },
  });

  app.get(
    GATEWAY_WS_PATH,
    {
      websocket: true,
      onRequest: async (req, reply) => {
        if (!originAllowed(req.headers.origin, req.headers.host, opts.allowedOrigins, req.protocol === 'https')) {
          req.log.warn({ origin: req.headers.origin }, 'websocket upgrade refused: origin not allowed');
          return reply.code(403).send({ code: 'FORBIDDEN', message: 'origin not allowed', field: 'origin' });
        }
      },
    },
    (socket, req) => {
      // Keystroke echoes are tiny: Nagle's algorithm would hold them for up to 40 ms.
      req.socket.setNoDelay(true);
      serveConnection(socket, {
        hub,
        admit: (token) => admitTicket(opts.ticketPublicKey, opts.sessionStore, token),
        log: req.log,
      });
    },
  );
};
