/**
 * What the hub needs from one attached client's transport (a WebSocket in production). Keeping it this
 * small lets the hub stay ignorant of ws and lets tests drive it with any transport.
 */
import type { ServerControlMessage } from '../protocol/wire';

export interface ClientSink {
  /** A complete binary frame (encoded with encodeServerFrame). The sink must not modify it. */
  sendFrame(frame: Uint8Array): void;
  sendControl(message: ServerControlMessage): void;
  /** Ends the connection with a close code from the wire protocol; the hub detaches the client itself. */
  close(code: number, reason: string): void;
  /** Bytes accepted by `sendFrame`/`sendControl` but not yet handed to the network. */
  readonly bufferedAmount: number;
  /**
   * Which door the client came through (default 'browser'). An owner's new browser connection replaces
   * their previous browser connection; SSH logins are terminal windows of their own and stay.
   */
  readonly kind?: 'browser' | 'ssh';
}

/** Who is behind a sink, taken from their verified ticket. */
export interface ClientIdentity {
  userId: string;
  name: string;
  role: 'admin' | 'teacher' | 'student' | 'viewer';
}

/** Recorded on AUDIT_CHANNEL; the server writes it to audit_logs. */
export interface AuditEntry {
  actorId: string;
  action: string;
  targetType: 'terminal_session';
  targetId: string;
  outcome: 'success' | 'denied' | 'error';
  detail?: Record<string, unknown>;
}
