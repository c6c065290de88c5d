/**
 * The terminal wire protocol between the browser and the gateway: the one module both ends import.
 * It must stay free of Node imports because the web bundle includes it. Full prose in
 * docs/terminal-protocol.md.
 *
 * Shape: one WebSocket per attached client. Text frames carry JSON control messages; binary frames
 * carry terminal bytes.
 * - server -> client binary: [type u8][seq u32 big-endian][payload]. `seq` numbers the session's output
 *   frames (1, 2, 3, ...; 0 means "nothing yet") and is the same for every client of a session, so a
 *   client resumes with "I have everything up to seq N".
 * - client -> server binary: [type u8][payload] (keystrokes; no seq, input is never replayed).
 * - the first client message is `hello` (text) carrying the ticket; the ticket never appears in a URL.
 * - refusals before the upgrade are HTTP statuses, not close codes: 403 FORBIDDEN (origin not allowed),
 *   429 RATE_LIMITED (this address already has GATEWAY_MAX_PENDING_PER_CLIENT sockets whose tickets are
 *   not accepted yet; a browser sees a failed connection and retries with backoff).
 */

export const PROTOCOL_VERSION = 1;
export const GATEWAY_WS_PATH = '/gateway/ws';

export const LIMITS = {
  /** Largest WebSocket message the gateway accepts; larger ones close with CloseCode.MESSAGE_TOO_BIG. */
  maxFrameBytes: 64 * 1024,
  /**
   * Largest JSON control message; larger (but under maxFrameBytes) ones close with FRAME_TOO_LARGE.
   * Sized for the hello: an owner ticket carries the sandbox argv, about 5 KB for a local lab.
   */
  maxControlBytes: 24 * 1024,
  maxTicketChars: 16 * 1024,
  maxCols: 1000,
  maxRows: 500,
  /** The gateway closes with BAD_HELLO when no valid hello arrives within this time. */
  helloTimeoutMs: 10_000,
  /**
   * Output bytes the gateway may send a client beyond what the client acknowledged, at first: the
   * window then follows the client's pace (about 100 ms of what it processes, up to 1 MiB; never below
   * this). The owner's PTY is paused when the owner reaches it; viewers are resynced instead (a viewer
   * never slows the owner). Four ack intervals, so acks never stall the stream (docs/terminal-protocol.md).
   */
  creditWindowBytes: 64 * 1024,
  /** Clients should ack at least every this many processed bytes (and when their write queue drains). */
  ackEveryBytes: 16 * 1024,
} as const;

export const FrameType = {
  /** server -> client: terminal output. */
  output: 0x01,
  /** server -> client: serialized screen (state after `seq`); reset the terminal, then write it. */
  snapshot: 0x02,
  /** client -> server: keystrokes / pasted bytes. */
  input: 0x10,
} as const;
export type ServerFrameType = typeof FrameType.output | typeof FrameType.snapshot;

/**
 * WebSocket close codes. 1000 is the standard one we use; everything of ours is 4000-4999.
 * A client must not reconnect automatically after the codes listed in FINAL_CLOSE_CODES.
 */
export const CloseCode = {
  NORMAL: 1000,
  /** First message was not a valid hello, or none arrived within helloTimeoutMs. */
  BAD_HELLO: 4000,
  /** Ticket signature, issuer or audience wrong, or claims malformed. */
  TICKET_INVALID: 4001,
  TICKET_EXPIRED: 4002,
  /** The ticket's jti was already claimed: tickets are single-use, ask the server for a new one. */
  TICKET_REUSED: 4003,
  /** Ticket valid but does not allow this (owner ticket for another owner's session, ...). */
  FORBIDDEN: 4004,
  /** A control message larger than maxControlBytes. */
  FRAME_TOO_LARGE: 4005,
  /** Unknown frame type, bad JSON, missing or ill-typed fields, a second hello. */
  MALFORMED_FRAME: 4006,
  /** The terminal's process exited (an `exit` message precedes this). */
  SESSION_ENDED: 4007,
  /** An administrator ended the session. */
  KILLED_BY_ADMIN: 4008,
  /** hello.v is not PROTOCOL_VERSION. */
  PROTOCOL_VERSION: 4009,
  /** The gateway is stopping; reconnect (another replica, or this one when it is back). */
  SHUTTING_DOWN: 4010,
  /** The same owner attached from elsewhere; this older connection is replaced. */
  SUPERSEDED: 4011,
  /** The terminal could not be opened (backend failure). */
  BACKEND_FAILED: 4012,
  /** The session no longer exists (grace period over) and the ticket cannot open a new one. */
  SESSION_NOT_FOUND: 4013,
  /**
   * A message over maxFrameBytes. The ws library refuses it from the frame header, before buffering, with
   * the standard 1009; the gateway sends this code in its place and completes the close handshake (the
   * socket is not cut, so the client reads this code rather than 1006).
   */
  MESSAGE_TOO_BIG: 4014,
  INTERNAL: 4500,
} as const;
export type CloseCodeName = keyof typeof CloseCode;

/** After these a reconnect with the same state is pointless (a new ticket or user action is needed). */
export const FINAL_CLOSE_CODES: readonly number[] = [
  CloseCode.BAD_HELLO,
  CloseCode.TICKET_INVALID,
  CloseCode.FORBIDDEN,
  CloseCode.FRAME_TOO_LARGE,
  CloseCode.MESSAGE_TOO_BIG,
  CloseCode.MALFORMED_FRAME,
  CloseCode.SESSION_ENDED,
  CloseCode.KILLED_BY_ADMIN,
  CloseCode.PROTOCOL_VERSION,
  CloseCode.SUPERSEDED,
  CloseCode.SESSION_NOT_FOUND,
];

/** Stable error codes in `error` messages (same spelling as the server's AppError codes). */
export type WireErrorCode =
  | 'BAD_INPUT'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'TICKET_INVALID'
  | 'TICKET_EXPIRED'
  | 'TICKET_REUSED'
  | 'NOT_FOUND'
  | 'RUNTIME_UNAVAILABLE'
  | 'HOST_KEY_MISMATCH'
  | 'NOT_AVAILABLE_YET'
  | 'INTERNAL';

export type ClientMode = 'owner' | 'viewer' | 'control';

export interface ViewerInfo {
  clientId: string;
  userId: string;
  name: string;
  /** owner: read-write; viewer: read-only; control: a viewer the owner granted typing to. */
  mode: ClientMode;
  /** The door the client came through: a browser (WebSocket) or an SSH login. */
  kind?: 'browser' | 'ssh';
}

// ---- client -> server control messages

export interface HelloMessage {
  type: 'hello';
  v: number;
  ticket: string;
  /** Last seq the client holds; frames after it are replayed if the gateway still has them. */
  resumeFrom?: number;
  cols: number;
  rows: number;
}
export interface ResizeMessage {
  type: 'resize';
  cols: number;
  rows: number;
}
export interface AckMessage {
  type: 'ack';
  /** Highest seq whose bytes the terminal has fully processed. */
  seq: number;
  /** Payload bytes processed since the previous ack (returned credit). */
  bytes: number;
  /** The terminal has processed everything it received: it waits for output (flow-control.ts grows the window). */
  idle?: boolean;
}
export interface PingMessage {
  type: 'ping';
  t?: number;
}
export interface PongMessage {
  type: 'pong';
  t?: number;
}
export interface GrantControlMessage {
  type: 'grant-control';
  userId: string;
}
export interface RevokeControlMessage {
  type: 'revoke-control';
  userId: string;
}
export interface RequestControlMessage {
  type: 'request-control';
}

export type ClientControlMessage =
  | HelloMessage
  | ResizeMessage
  | AckMessage
  | PingMessage
  | PongMessage
  | GrantControlMessage
  | RevokeControlMessage
  | RequestControlMessage;

// ---- server -> client control messages

export interface WelcomeMessage {
  type: 'welcome';
  v: number;
  sessionId: string;
  clientId: string;
  userId: string;
  mode: ClientMode;
  /** Newest output seq at attach time. Replayed frames or a resync up to it follow. */
  seq: number;
  readOnly: boolean;
  recording: boolean;
  cols: number;
  rows: number;
  viewers: ViewerInfo[];
}
/** Sent to the owner when a viewer asks to type. */
export interface ControlRequestedMessage {
  type: 'request-control';
  userId: string;
  name: string;
}
export interface ControlChangedMessage {
  type: 'control-changed';
  controlGrantedTo: string[];
  by: string;
}
export interface ViewersMessage {
  type: 'viewers';
  viewers: ViewerInfo[];
}
/** The client's terminal must be reset; a snapshot frame carrying the screen after `seq` follows. */
export interface ResyncMessage {
  type: 'resync';
  seq: number;
  cols: number;
  rows: number;
}
/** The session's terminal size changed (viewers follow the owner's size). */
export interface SizeMessage {
  type: 'size';
  cols: number;
  rows: number;
}
export interface ExitMessage {
  type: 'exit';
  code: number | null;
  signal: string | null;
}
export interface ErrorMessage {
  type: 'error';
  code: WireErrorCode;
  message: string;
  field?: string;
}

export type ServerControlMessage =
  | WelcomeMessage
  | ControlRequestedMessage
  | ControlChangedMessage
  | ViewersMessage
  | ResyncMessage
  | SizeMessage
  | ExitMessage
  | ErrorMessage
  | PingMessage
  | PongMessage;

// ---- results of decoding

export interface WireFault {
  /** Close code to use when the fault ends the connection. */
  close: number;
  /** The connection may go on: answer with an `error` message instead of closing (bad resize sizes). */
  recoverable?: boolean;
  code: WireErrorCode;
  message: string;
  field?: string;
}
export type Decoded<T> = { ok: true; value: T } | { ok: false; fault: WireFault };

const ok = <T>(value: T): Decoded<T> => ({ ok: true, value });
const fault = (close: number, code: WireErrorCode, message: string, field?: string): Decoded<never> => ({
  ok: false,
  fault: { close, code, message, field },
});
const malformed = (message: string, field?: string) => fault(CloseCode.MALFORMED_FRAME, 'BAD_INPUT', message, field);

// ---- binary frames

const encoder = new TextEncoder();
/** [type u8][seq u32] before the payload of a server frame. */
export const FRAME_HEADER_BYTES = 5;

export function encodeServerFrame(type: ServerFrameType, seq: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
  out.set(payload, FRAME_HEADER_BYTES);
  return writeServerFrameHeader(out, type, seq);
}

/** Fills in the header of `frame`, whose payload already sits after FRAME_HEADER_BYTES (no copy). */
export function writeServerFrameHeader(frame: Uint8Array, type: ServerFrameType, seq: number): Uint8Array {
  frame[0] = type;
  new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES).setUint32(1, seq >>> 0, false);
  return frame;
}

export interface ServerFrame {
  type: ServerFrameType;
  seq: number;
  payload: Uint8Array;
}

export function decodeServerFrame(data: Uint8Array): Decoded<ServerFrame> {
  if (data.byteLength < FRAME_HEADER_BYTES) return malformed('server frame shorter than its header');
  const type = data[0];
  if (type !== FrameType.output && type !== FrameType.snapshot) return malformed(`unknown server frame type ${type}`);
  const seq = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(1, false);
  return ok({ type, seq, payload: data.subarray(FRAME_HEADER_BYTES) });
}

export function encodeInputFrame(input: Uint8Array | string): Uint8Array {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  const out = new Uint8Array(1 + bytes.byteLength);
  out[0] = FrameType.input;
  out.set(bytes, 1);
  return out;
}

/** Validates a client binary frame; returns the input payload (a view, not a copy). */
export function decodeClientFrame(data: Uint8Array): Decoded<Uint8Array> {
  if (data.byteLength > LIMITS.maxFrameBytes) {
    return fault(CloseCode.MESSAGE_TOO_BIG, 'PAYLOAD_TOO_LARGE', `frame larger than ${LIMITS.maxFrameBytes} bytes`);
  }
  if (data.byteLength < 1) return malformed('empty binary frame');
  if (data[0] !== FrameType.input) return malformed(`unknown client frame type ${data[0]}`);
  return ok(data.subarray(1));
}

// ---- control messages

export function encodeControl(message: ClientControlMessage | ServerControlMessage): string {
  return JSON.stringify(message);
}

type Json = Record<string, unknown>;

function parseObject(text: string): Decoded<Json> {
  if (text.length > LIMITS.maxControlBytes) {
    return fault(CloseCode.FRAME_TOO_LARGE, 'PAYLOAD_TOO_LARGE', `control message larger than ${LIMITS.maxControlBytes} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return malformed('control message is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return malformed('control message is not an object');
  if (typeof (value as Json).type !== 'string') return malformed('control message has no type', 'type');
  return ok(value as Json);
}

const isUint32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;

/**
 * Checks a size. Out-of-range values are refused (BAD_INPUT naming the field) rather than clamped, so a
 * buggy client learns about it; the gateway answers with an `error` message and keeps the session.
 */
export function checkSize(cols: unknown, rows: unknown): Decoded<{ cols: number; rows: number }> {
  const bad = (field: string, max: number) =>
    fault(CloseCode.MALFORMED_FRAME, 'BAD_INPUT', `${field} must be an integer from 1 to ${max}`, field);
  if (typeof cols !== 'number' || !Number.isInteger(cols) || cols < 1 || cols > LIMITS.maxCols) return bad('cols', LIMITS.maxCols);
  if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1 || rows > LIMITS.maxRows) return bad('rows', LIMITS.maxRows);
  return ok({ cols, rows });
}

/** Validates a client control message. Size faults in hello/resize carry field `cols`/`rows`. */
export function decodeClientControl(text: string): Decoded<ClientControlMessage> {
  const parsed = parseObject(text);
  if (!parsed.ok) return parsed;
  const m = parsed.value;
  switch (m.type) {
    case 'hello': {
      if (typeof m.v !== 'number') return fault(CloseCode.BAD_HELLO, 'BAD_INPUT', 'hello needs a protocol version', 'v');
      if (m.v !== PROTOCOL_VERSION) {
        return fault(CloseCode.PROTOCOL_VERSION, 'BAD_INPUT', `protocol version ${String(m.v)} not supported (want ${PROTOCOL_VERSION})`, 'v');
      }
      if (typeof m.ticket !== 'string' || m.ticket.length === 0 || m.ticket.length > LIMITS.maxTicketChars) {
        return fault(CloseCode.BAD_HELLO, 'BAD_INPUT', 'hello needs a ticket', 'ticket');
      }
      if (m.resumeFrom !== undefined && !isUint32(m.resumeFrom)) {
        return fault(CloseCode.BAD_HELLO, 'BAD_INPUT', 'resumeFrom must be a seq number', 'resumeFrom');
      }
      const size = checkSize(m.cols, m.rows);
      if (!size.ok) return fault(CloseCode.BAD_HELLO, 'BAD_INPUT', size.fault.message, size.fault.field);
      const hello: HelloMessage = { type: 'hello', v: m.v, ticket: m.ticket, cols: size.value.cols, rows: size.value.rows };
      if (m.resumeFrom !== undefined) hello.resumeFrom = m.resumeFrom;
      return ok(hello);
    }
    case 'resize': {
      const size = checkSize(m.cols, m.rows);
      return size.ok ? ok({ type: 'resize', ...size.value }) : { ok: false, fault: { ...size.fault, recoverable: true } };
    }
    case 'ack':
      if (!isUint32(m.seq)) return malformed('ack needs a seq', 'seq');
      if (!isUint32(m.bytes)) return malformed('ack needs a byte count', 'bytes');
      if (m.idle !== undefined && typeof m.idle !== 'boolean') return malformed('ack.idle must be a boolean', 'idle');
      return ok(m.idle ? { type: 'ack', seq: m.seq, bytes: m.bytes, idle: true } : { type: 'ack', seq: m.seq, bytes: m.bytes });
    case 'ping':
    case 'pong':
      if (m.t !== undefined && typeof m.t !== 'number') return malformed(`${m.type}.t must be a number`, 't');
      return ok(m.t === undefined ? { type: m.type } : { type: m.type, t: m.t });
    case 'grant-control':
    case 'revoke-control':
      if (!isId(m.userId)) return malformed(`${m.type} needs a userId`, 'userId');
      return ok({ type: m.type, userId: m.userId });
    case 'request-control':
      return ok({ type: 'request-control' });
    default:
      return malformed(`unknown control message type ${JSON.stringify(m.type).slice(0, 40)}`, 'type');
  }
}

const SERVER_TYPES: ReadonlySet<string> = new Set([
  'welcome',
  'request-control',
  'control-changed',
  'viewers',
  'resync',
  'size',
  'exit',
  'error',
  'ping',
  'pong',
]);

/**
 * Decodes a server control message for the browser. The gateway is trusted, so this checks the type
 * and leaves field shapes to the typed union.
 */
export function decodeServerControl(text: string): Decoded<ServerControlMessage> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return malformed('server control message is not JSON');
  }
  if (typeof value !== 'object' || value === null) return malformed('server control message is not an object');
  const type = (value as Json).type;
  if (typeof type !== 'string' || !SERVER_TYPES.has(type)) return malformed('unknown server control message type', 'type');
  return ok(value as ServerControlMessage);
}
