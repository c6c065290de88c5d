/**
 * What the gateway does with an 'error' a WebSocket emits (the @fastify/websocket errorHandler). The
 * plugin's default logs every error with its stack and terminates the socket at once. For a protocol
 * violation (a message over maxPayload, bad UTF-8, a bad opcode) ws has already queued the close frame
 * with the matching code and half-closed the connection; destroying the socket right after reset the
 * TCP connection while the client was still sending, and a client whose write failed first never read
 * that frame: it saw 1006 instead of 4014. A violation is the client's doing, so it is one warning
 * without a stack and ws finishes the close itself; a lost connection is a debug line.
 */
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { CloseCode } from '../protocol/wire';

/** The code the client receives for each ws protocol error (ws's own, except ours for oversized messages). */
const CLOSE_FOR_PROTOCOL_ERROR: Record<string, number> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: CloseCode.MESSAGE_TOO_BIG,
  WS_ERR_INVALID_UTF8: 1007,
};
const PROTOCOL_ERROR_CLOSE = 1002;
const CONNECTION_LOST: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

export function handleSocketError(error: Error, socket: WebSocket, request: FastifyRequest): void {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code.startsWith('WS_ERR_')) {
    const closeCode = CLOSE_FOR_PROTOCOL_ERROR[code] ?? PROTOCOL_ERROR_CLOSE;
    request.log.warn({ code, closeCode, reason: error.message }, 'websocket closed: the client broke the protocol');
    return;
  }
  if (CONNECTION_LOST.has(code)) {
    request.log.debug({ code }, 'websocket connection lost');
  } else {
    request.log.error({ err: error }, 'websocket failed');
  }
  socket.terminate();
}
