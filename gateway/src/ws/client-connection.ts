/**
 * One WebSocket from hello to close. Validates every frame at the edge (wire.ts decoders) before it
 * reaches the hub; a bad frame closes this connection only, with the documented code, and the session
 * and its other clients carry on. A connection for a session another replica holds is handed to a
 * PeerLink (peer-forward.ts) after its ticket is verified, and from then on only piped.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { isAppError, type ErrorCode } from '@autolabs/common/errors/app-error';
import type { VerifiedTicket } from '@autolabs/common/tickets/ticket';
import type { ClientSink } from '../hub/client-sink';
import type { SessionClient } from '../hub/live-session';
import type { SessionHub } from '../hub/session-hub';
import type { PeerLink } from './peer-forward';
import { keepAlive } from './keepalive';
import {
  CloseCode,
  LIMITS,
  decodeClientControl,
  decodeClientFrame,
  encodeControl,
  type ServerControlMessage,
  type WireErrorCode,
  type WireFault,
} from '../protocol/wire';

export interface ConnectionDeps {
  hub: SessionHub;
  /** Signature, expiry and claim shape; does not use the ticket up. */
  verify: (token: string) => Promise<VerifiedTicket>;
  /** Single use across replicas: throws TICKET_REUSED the second time. */
  claim: (ticket: VerifiedTicket) => Promise<void>;
  /**
   * Forwards this connection (its hello text) to the replica at `gatewayUrl`. Absent when this
   * connection must not be forwarded: it was forwarded to us already (loop guard).
   */
  forward?: (gatewayUrl: string, hello: string) => PeerLink;
  /** No valid hello within this time closes with BAD_HELLO (default LIMITS.helloTimeoutMs). */
  helloTimeoutMs?: number;
  /**
   * Called once when the connection stops waiting for its ticket to be accepted: attached, forwarded or
   * closed (the gateway counts such connections per client, auth/pending-limit.ts).
   */
  onSettled?: () => void;
  log: FastifyBaseLogger;
}

const MAX_EARLY_MESSAGES = 64;
/** The standard "message too big" close code the ws library uses for a message over maxPayload. */
const WS_MESSAGE_TOO_BIG = 1009;

/** The close code for an AppError's code (the wall socket closes with the same ones). */
export const CLOSE_FOR: Partial<Record<ErrorCode, number>> = {
  TICKET_INVALID: CloseCode.TICKET_INVALID,
  TICKET_EXPIRED: CloseCode.TICKET_EXPIRED,
  TICKET_REUSED: CloseCode.TICKET_REUSED,
  FORBIDDEN: CloseCode.FORBIDDEN,
  NOT_FOUND: CloseCode.SESSION_NOT_FOUND,
  RUNTIME_UNAVAILABLE: CloseCode.BACKEND_FAILED,
  HOST_KEY_MISMATCH: CloseCode.BACKEND_FAILED,
  NOT_AVAILABLE_YET: CloseCode.BACKEND_FAILED,
  BAD_INPUT: CloseCode.BAD_HELLO,
  SERVICE_UNAVAILABLE: CloseCode.SHUTTING_DOWN,
};

const WIRE_CODES: readonly string[] = [
  'BAD_INPUT',
  'FORBIDDEN',
  'PAYLOAD_TOO_LARGE',
  'TICKET_INVALID',
  'TICKET_EXPIRED',
  'TICKET_REUSED',
  'NOT_FOUND',
  'RUNTIME_UNAVAILABLE',
  'HOST_KEY_MISMATCH',
  'NOT_AVAILABLE_YET',
];

export function serveConnection(socket: WebSocket, deps: ConnectionDeps): void {
  let phase: 'hello' | 'admitting' | 'attached' | 'forwarding' | 'closed' = 'hello';
  // Read through a function: the phase changes while an attach is awaited.
  const isClosed = () => phase === 'closed';
  let client: SessionClient | null = null;
  let peer: PeerLink | null = null;
  const early: { data: RawData; isBinary: boolean }[] = [];
  const helloTimeoutMs = deps.helloTimeoutMs ?? LIMITS.helloTimeoutMs;
  const settled = () => deps.onSettled?.();

  const sink: ClientSink = {
    sendFrame: (frame) => {
      if (socket.readyState === socket.OPEN) socket.send(frame, { binary: true });
    },
    sendControl: (message) => send(message),
    close: (code, reason) => close(code, reason),
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
  };

  function send(message: ServerControlMessage): void {
    if (socket.readyState === socket.OPEN) socket.send(encodeControl(message));
  }

  function close(code: number, reason: string): void {
    if (phase === 'closed') return;
    teardown();
    // Close reasons are limited to 123 bytes by the WebSocket protocol.
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason.slice(0, 120));
  }

  /** Everything this connection holds, released once whichever end closes first (our close() or the peer's). */
  function teardown(): void {
    phase = 'closed';
    settled();
    clearTimeout(helloTimer);
    keepalive.stop();
    client?.detach();
    client = null;
    peer?.close();
    peer = null;
  }

  function fail(fault: WireFault): void {
    send({ type: 'error', code: fault.code, message: fault.message, ...(fault.field ? { field: fault.field } : {}) });
    close(fault.close, fault.message);
  }

  const helloTimer = setTimeout(() => {
    if (phase === 'hello') fail({ close: CloseCode.BAD_HELLO, code: 'BAD_INPUT', message: `no hello within ${helloTimeoutMs} ms` });
  }, helloTimeoutMs);

  const keepalive = keepAlive(socket);

  socket.on('message', (data, isBinary) => {
    keepalive.seen();
    if (phase === 'hello') return onHello(data, isBinary);
    if (phase === 'admitting') {
      if (early.length >= MAX_EARLY_MESSAGES) {
        return fail({ close: CloseCode.MALFORMED_FRAME, code: 'BAD_INPUT', message: 'too many messages before welcome' });
      }
      early.push({ data, isBinary });
      return;
    }
    if (phase === 'attached') onMessage(data, isBinary);
    if (phase === 'forwarding') peer?.send(data, isBinary);
  });

  socket.on('close', teardown);

  // ws closes the socket itself on protocol errors (1009 for an oversized message, 1007 for bad UTF-8),
  // through this socket's close(); an oversized message gets our documented code instead of 1009. The
  // 'error' that follows is handled once for every socket, by ws/socket-errors.ts.
  const wsClose = socket.close.bind(socket);
  socket.close = (code?: number, reason?: string | Buffer) =>
    wsClose(code === WS_MESSAGE_TOO_BIG ? CloseCode.MESSAGE_TOO_BIG : code, reason);

  function onHello(data: RawData, isBinary: boolean): void {
    if (isBinary) return fail({ close: CloseCode.BAD_HELLO, code: 'BAD_INPUT', message: 'the first message must be a hello' });
    const text = rawText(data);
    const decoded = decodeClientControl(text);
    if (!decoded.ok) return fail(decoded.fault);
    const hello = decoded.value;
    if (hello.type !== 'hello') return fail({ close: CloseCode.BAD_HELLO, code: 'BAD_INPUT', message: 'the first message must be a hello', field: 'type' });
    phase = 'admitting';
    clearTimeout(helloTimer);
    void (async () => {
      try {
        const ticket = await deps.verify(hello.ticket);
        if (phase !== 'admitting') return;
        const holder = deps.forward ? await deps.hub.peerHolding(ticket.sid) : null;
        if (phase !== 'admitting') return;
        if (holder && deps.forward) {
          // The holder claims the ticket: claiming here too would make it refuse it as reused.
          deps.log.info({ sessionId: ticket.sid, peer: holder }, 'terminal connection forwarded to the replica holding the session');
          peer = deps.forward(holder, text);
          phase = 'forwarding';
          settled();
          for (const m of early.splice(0)) peer.send(m.data, m.isBinary);
          return;
        }
        await deps.claim(ticket);
        if (phase !== 'admitting') return;
        // A claimed ticket is a signed-in user's: the socket no longer counts against its address.
        settled();
        const attached = await deps.hub.attach(ticket, sink, { cols: hello.cols, rows: hello.rows }, hello.resumeFrom);
        if (phase !== 'admitting') {
          attached.detach();
          return;
        }
        client = attached;
        phase = 'attached';
        for (const m of early.splice(0)) onMessage(m.data, m.isBinary);
      } catch (e) {
        if (isClosed()) return;
        if (isAppError(e)) {
          const code: WireErrorCode = WIRE_CODES.includes(e.code) ? (e.code as WireErrorCode) : 'INTERNAL';
          deps.log.info({ code: e.code, field: e.field }, 'terminal attach refused');
          return fail({ close: CLOSE_FOR[e.code] ?? CloseCode.INTERNAL, code, message: e.message, field: e.field });
        }
        deps.log.error({ err: e }, 'terminal attach failed');
        fail({ close: CloseCode.INTERNAL, code: 'INTERNAL', message: 'internal error' });
      }
    })();
  }

  function onMessage(data: RawData, isBinary: boolean): void {
    if (!client) return;
    if (isBinary) {
      const decoded = decodeClientFrame(rawBytes(data));
      if (!decoded.ok) return fail(decoded.fault);
      return client.input(decoded.value);
    }
    const decoded = decodeClientControl(rawText(data));
    if (!decoded.ok) {
      if (decoded.fault.recoverable) {
        return send({ type: 'error', code: decoded.fault.code, message: decoded.fault.message, field: decoded.fault.field });
      }
      return fail(decoded.fault);
    }
    const m = decoded.value;
    switch (m.type) {
      case 'hello':
        return fail({ close: CloseCode.MALFORMED_FRAME, code: 'BAD_INPUT', message: 'hello was already received', field: 'type' });
      case 'ping':
        return send(m.t === undefined ? { type: 'pong' } : { type: 'pong', t: m.t });
      case 'pong':
        return;
      default:
        return client.control(m);
    }
  }
}

function rawBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

function rawText(data: RawData): string {
  const bytes = rawBytes(data);
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('utf8');
}
