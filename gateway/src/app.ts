/**
 * The terminal gateway as a fastify plugin: registers `GET /gateway/ws` (terminals) and `GET /gateway/wall`
 * (class wall thumbnails, wall/) and nothing process-level, so
 * the embedded server, the standalone gateway process and tests all mount the same thing. Before the
 * upgrade it checks the origin and how many sockets the client already has waiting for their ticket.
 */
import type { CryptoKey } from 'jose';
import websocket from '@fastify/websocket';
import type { KubeConfig } from '@kubernetes/client-node';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ObjectStore } from '@autolabs/common/object-store/object-store';
import { AUDIT_CHANNEL, type SessionStore } from '@autolabs/common/session-store/session-store';
import { NOTHING_POLICY, addSecurityHeaders } from '@autolabs/common/ops/security-headers';
import { originAllowed } from './auth/origin-check';
import { DEFAULT_MAX_PENDING_PER_CLIENT, PendingLimit } from './auth/pending-limit';
import { claimTicket, verifyTicketClaims } from './auth/ticket-gate';
import { createBackendOpener } from './backends/backend-opener';
import type { TerminalBackendOpener } from './backends/terminal-backend';
import type { BatcherOptions } from './hub/flow-control';
import { SessionHub } from './hub/session-hub';
import { SshFrontDoor } from './ssh/ssh-front-door';
import type { SshLoginAuthority } from './ssh/ssh-login-client';
import { CloseCode, GATEWAY_WS_PATH, LIMITS } from './protocol/wire';
import { serveConnection } from './ws/client-connection';
import { FORWARDED_HEADER, forwardToPeer } from './ws/peer-forward';
import { mountWall } from './wall/wall-route';
import { DEFAULT_THUMB_INTERVAL_MS } from './wall/wall-protocol';
import { handleSocketError } from './ws/socket-errors';

export interface GatewayPluginOptions {
  sessionStore: SessionStore;
  objectStore: ObjectStore;
  ticketPublicKey: CryptoKey;
  gatewayId: string;
  /**
   * Where the other replicas reach this one (GATEWAY_INTERNAL_URL, http(s) or ws(s)); recorded with each
   * session so they forward its connections here. Absent: they refuse them (4013) instead.
   */
  internalUrl?: string;
  /** Origins allowed besides the gateway's own; '*' allows any (development only). */
  allowedOrigins: string[];
  graceSeconds: number;
  recordingsBucket: string;
  /** Defaults to local runtime sandboxes (with `localDataDir`) and Kubernetes exec (with `kubeConfig`). */
  backends?: TerminalBackendOpener;
  /** Credentials for k8s-exec terminal targets (LAB_RUNTIME=kubernetes). */
  kubeConfig?: KubeConfig;
  /** The local runtime's data directory, where it records how to open each instance's terminal. */
  localDataDir?: string;
  /** The platform key labs trust, for terminals over SSH (LAB_SSH_PRIVATE_KEY). Never logged. */
  labSshPrivateKey?: string;
  /** Output history kept per session for resume (bytes). */
  ringBytes?: number;
  batching?: BatcherOptions;
  creditWindowBytes?: number;
  /**
   * Sockets one client address may hold before their tickets are accepted (GATEWAY_MAX_PENDING_PER_CLIENT);
   * further upgrades are answered 429 RATE_LIMITED.
   */
  maxPendingPerClient?: number;
  /** No valid hello within this time closes with BAD_HELLO (default LIMITS.helloTimeoutMs). */
  helloTimeoutMs?: number;
  /** The SSH front door (GATEWAY_SSH_PORT); absent: no SSH. */
  ssh?: GatewaySshOptions;
  /** How often a class wall's watched screens are looked at (default DEFAULT_THUMB_INTERVAL_MS). */
  wallIntervalMs?: number;
}

export interface GatewaySshOptions {
  host: string;
  port: number;
  /** OpenSSH private key text. */
  hostKey: string;
  /** Where logins are decided: the API's internal route. */
  authority: SshLoginAuthority;
  authTimeoutMs?: number;
  /** Called with the port once listening (tests listen on port 0). */
  onListening?: (port: number) => void;
}

export const gatewayPlugin: FastifyPluginAsync<GatewayPluginOptions> = async (app, opts) => {
  await opts.objectStore.ensureBucket(opts.recordingsBucket);
  const hub = new SessionHub({
    sessionStore: opts.sessionStore,
    objectStore: opts.objectStore,
    recordingsBucket: opts.recordingsBucket,
    gatewayId: opts.gatewayId,
    internalUrl: opts.internalUrl,
    graceSeconds: opts.graceSeconds,
    backends: opts.backends ?? createBackendOpener({ kubeConfig: opts.kubeConfig, localDataDir: opts.localDataDir, labSshPrivateKey: opts.labSshPrivateKey }),
    log: app.log,
    ringBytes: opts.ringBytes,
    batching: opts.batching,
    creditWindowBytes: opts.creditWindowBytes,
  });
  await hub.start();
  const pending = new PendingLimit(opts.maxPendingPerClient ?? DEFAULT_MAX_PENDING_PER_CLIENT);
  /** The pending slot each upgrade request took, handed from its onRequest hook to its handler. */
  const slots = new WeakMap<object, () => void>();
  addSecurityHeaders(app, NOTHING_POLICY);

  await app.register(websocket, {
    options: { maxPayload: LIMITS.maxFrameBytes },
    errorHandler: handleSocketError,
    // Sessions first (their clients get SHUTTING_DOWN and the shells are ended), then any socket still
    // waiting for its hello, then the server.
    preClose: async () => {
      await hub.close(CloseCode.SHUTTING_DOWN);
      for (const client of app.websocketServer.clients) client.close(CloseCode.SHUTTING_DOWN, 'the gateway is shutting down');
      await new Promise<void>((resolve) => app.websocketServer.close(() => resolve()));
    },
  });

  if (opts.ssh) {
    const ssh = opts.ssh;
    let door: SshFrontDoor | null = null;
    app.addHook('onReady', async () => {
      try {
        door = await SshFrontDoor.listen({
          host: ssh.host,
          port: ssh.port,
          hostKey: ssh.hostKey,
          authority: ssh.authority,
          admit: async (token) => {
            const ticket = await verifyTicketClaims(opts.ticketPublicKey, token);
            await claimTicket(opts.sessionStore, ticket);
            return ticket;
          },
          attach: (ticket, sink, size) => hub.attach(ticket, sink, size),
          localDataDir: opts.localDataDir,
          log: app.log,
          authTimeoutMs: ssh.authTimeoutMs,
          maxPendingPerClient: opts.maxPendingPerClient,
          audit: (entry) => void opts.sessionStore.publish(AUDIT_CHANNEL, entry).catch((err: unknown) => app.log.warn({ err }, 'audit publish failed')),
        });
        app.log.info({ port: door.port }, 'ssh front door listening');
        ssh.onListening?.(door.port);
      } catch (err) {
        // Terminals in the browser keep working; the web app still shows the port, so say loudly why SSH does not.
        app.log.error({ err, port: ssh.port }, `ssh front door not started: port ${ssh.port} is not available (set GATEWAY_SSH_PORT, 0 turns SSH off)`);
      }
    });
    // Before the hub closes its sessions: no new SSH logins while the gateway stops.
    app.addHook('preClose', async () => {
      await door?.close();
    });
  }

  /** Before a terminal or wall upgrade: the origin, and how many sockets this client has waiting for their ticket. */
  const admitUpgrade = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!originAllowed(req.headers.origin, req.headers.host, opts.allowedOrigins, req.protocol === 'https')) {
      req.log.warn({ origin: req.headers.origin }, 'websocket upgrade refused: origin not allowed');
      return reply.code(403).send({ code: 'FORBIDDEN', message: 'origin not allowed', field: 'origin' });
    }
    if (!req.ws) return;
    const admission = pending.admit(req.ip);
    if (!admission.ok) {
      if (admission.first) req.log.warn({ ip: req.ip }, 'websocket upgrades refused: too many sockets from this client waiting for their hello');
      return reply
        .code(429)
        .header('retry-after', '5')
        .send({ code: 'RATE_LIMITED', message: 'too many terminal connections from this address are waiting to be admitted' });
    }
    slots.set(req.raw, admission.release);
    // Whatever becomes of the upgrade (refused by ws, dropped mid-handshake), the slot is freed with the connection.
    req.socket.once('close', admission.release);
  };

  await mountWall(app, {
    sessions: hub,
    sessionStore: opts.sessionStore,
    ticketPublicKey: opts.ticketPublicKey,
    intervalMs: opts.wallIntervalMs ?? DEFAULT_THUMB_INTERVAL_MS,
    helloTimeoutMs: opts.helloTimeoutMs,
    onRequest: admitUpgrade,
    slotOf: (raw) => slots.get(raw),
  });

  app.get(
    GATEWAY_WS_PATH,
    {
      websocket: true,
      onRequest: admitUpgrade,
    },
    (socket, req) => {
      // Keystroke echoes are tiny: Nagle's algorithm would hold them for up to 40 ms.
      req.socket.setNoDelay(true);
      // A connection a peer forwarded here is served here or refused, never forwarded again (no loops).
      const forwarded = req.headers[FORWARDED_HEADER] !== undefined;
      serveConnection(socket, {
        hub,
        verify: (token) => verifyTicketClaims(opts.ticketPublicKey, token),
        claim: (ticket) => claimTicket(opts.sessionStore, ticket),
        forward: forwarded
          ? undefined
          : (gatewayUrl, hello) => forwardToPeer(socket, { gatewayUrl, gatewayId: opts.gatewayId, hello, log: req.log }),
        helloTimeoutMs: opts.helloTimeoutMs,
        onSettled: slots.get(req.raw),
        log: req.log,
      });
    },
  );
};
