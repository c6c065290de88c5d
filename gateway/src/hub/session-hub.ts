/**
 * The gateway's registry of live terminal sessions. It decides whether a verified ticket may attach
 * (attach-policy), opens the backend for a session that is not live yet, registers sessions in the
 * SessionStore (so the admin console and other replicas see them), keeps a session alive for
 * `graceSeconds` after its owner disconnects, and ends sessions an administrator kills. Tickets of a user an
 * administrator disabled are refused here, whatever their signature says (tickets/revoked-users.ts).
 */
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '@autolabs/common/errors/app-error';
import type { Disposable } from '@autolabs/common/disposable';
import type { ObjectStore } from '@autolabs/common/object-store/object-store';
import {
  AUDIT_CHANNEL,
  isStale,
  SESSION_CONTROL_CHANNEL,
  type SessionRecord,
  type SessionStore,
} from '@autolabs/common/session-store/session-store';
import { userTicketsRevoked } from '@autolabs/common/tickets/revoked-users';
import type { VerifiedTicket } from '@autolabs/common/tickets/ticket';
import type { TerminalBackendOpener, TerminalSize } from '../backends/terminal-backend';
import { CloseCode } from '../protocol/wire';
import { AsciicastRecorder } from '../recording/asciicast-recorder';
import { checkAttach, type KnownSession } from './attach-policy';
import type { AuditEntry, ClientSink } from './client-sink';
import type { BatcherOptions } from './flow-control';
import { LiveSession, type SessionClient } from './live-session';
import { SessionRegistration } from './session-registration';
import { reportHub, timeAttach, type HubCounts } from './terminal-metrics';

export interface SessionHubOptions {
  sessionStore: SessionStore;
  objectStore: ObjectStore;
  recordingsBucket: string;
  gatewayId: string;
  /** Where peers reach this replica; written into the records of its sessions (SessionRecord.gatewayUrl). */
  internalUrl?: string;
  graceSeconds: number;
  backends: TerminalBackendOpener;
  log: FastifyBaseLogger;
  heartbeatMs?: number;
  /** A record whose heartbeat is older than this belongs to a dead gateway and is ignored (default STALE_SESSION_MS). */
  staleAfterMs?: number;
  ringBytes?: number;
  batching?: BatcherOptions;
  /** Per-client unacknowledged output bytes (default LIMITS.creditWindowBytes). */
  creditWindowBytes?: number;
}

interface Entry {
  session: LiveSession;
  registration: SessionRegistration;
  graceTimer: NodeJS.Timeout | null;
}

export class SessionHub {
  private readonly entries = new Map<string, Entry>();
  private readonly opening = new Map<string, Promise<Entry>>();
  private subscription: Disposable | null = null;
  private reporting: Disposable | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(private readonly opts: SessionHubOptions) {}

  get size(): number {
    return this.entries.size;
  }

  session(id: string): LiveSession | undefined {
    return this.entries.get(id)?.session;
  }

  /** Sessions and their attached connections by role, for /metrics. */
  counts(): HubCounts {
    const total = { sessions: this.entries.size, owners: 0, viewers: 0 };
    for (const { session } of this.entries.values()) {
      const c = session.clientCounts();
      total.owners += c.owners;
      total.viewers += c.viewers;
    }
    return total;
  }

  async start(): Promise<void> {
    this.subscription = await this.opts.sessionStore.subscribe(SESSION_CONTROL_CHANNEL, (message) => this.onControl(message));
    this.reporting = reportHub(() => this.counts());
    this.heartbeat = setInterval(() => {
      const at = Date.now();
      for (const e of this.entries.values()) void e.registration.heartbeat(at);
    }, this.opts.heartbeatMs ?? 10_000);
    this.heartbeat.unref();
  }

  /** Attaches a client holding a verified ticket; throws AppError (FORBIDDEN, NOT_FOUND, ...) when it may not. */
  async attach(ticket: VerifiedTicket, sink: ClientSink, size: TerminalSize, resumeFrom?: number): Promise<SessionClient> {
    if (this.closing) throw new AppError('SERVICE_UNAVAILABLE', 'the gateway is shutting down');
    try {
      // A ticket minted before its user was disabled still has a good signature (tickets/revoked-users.ts).
      if (await userTicketsRevoked(this.opts.sessionStore, ticket.sub)) {
        throw new AppError('FORBIDDEN', 'this account is disabled', { field: 'ticket.sub' });
      }
      const attached = timeAttach(ticket.mode);
      const entry = await this.entryFor(ticket, size);
      if (ticket.mode === 'viewer') {
        this.audit({ actorId: ticket.sub, action: 'terminal.watch', targetType: 'terminal_session', targetId: ticket.sid, outcome: 'success' });
      }
      const who = { userId: ticket.sub, name: ticket.name, role: ticket.role };
      const client = entry.session.attach(who, ticket.mode, sink, size, resumeFrom);
      attached();
      return client;
    } catch (e) {
      if (e instanceof AppError && e.code === 'FORBIDDEN') {
        this.audit({
          actorId: ticket.sub,
          action: ticket.mode === 'owner' ? 'terminal.attach' : 'terminal.watch',
          targetType: 'terminal_session',
          targetId: ticket.sid,
          outcome: 'denied',
          detail: { reason: e.message },
        });
      }
      throw e;
    }
  }

  /**
   * The internal URL of another live replica serving session `id`, or null when this replica serves it,
   * nobody live does, or the holder cannot be reached by peers (no gatewayUrl).
   */
  async peerHolding(id: string): Promise<string | null> {
    if (this.entries.has(id) || this.opening.has(id)) return null;
    const record = await this.opts.sessionStore.get(id);
    return record && this.servedElsewhere(record) ? (record.gatewayUrl ?? null) : null;
  }

  /** Ends every session (clients closed with `code`) and stops listening. */
  async close(code: number = CloseCode.SHUTTING_DOWN): Promise<void> {
    this.closing = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.subscription?.dispose();
    this.reporting?.dispose();
    await Promise.allSettled([...this.opening.values()]);
    await Promise.all([...this.entries.values()].map((e) => e.session.end(code, 'the gateway is shutting down')));
  }

  private async entryFor(ticket: VerifiedTicket, size: TerminalSize): Promise<Entry> {
    const local = this.entries.get(ticket.sid) ?? (await this.opening.get(ticket.sid));
    if (local?.session.isEnded) throw new AppError('NOT_FOUND', 'the terminal session has ended', { field: 'ticket.sid' });
    if (local) {
      checkAttach(ticket, local.session);
      return local;
    }
    const record = await this.opts.sessionStore.get(ticket.sid);
    const foreign = record && this.servedElsewhere(record) ? record : null;
    const known: KnownSession | null = record && record.state !== 'ended' ? record : null;
    checkAttach(ticket, known);
    if (foreign) throw new AppError('NOT_FOUND', 'the terminal session is served by another gateway', { field: 'ticket.sid' });
    const again = this.entries.get(ticket.sid) ?? (await this.opening.get(ticket.sid));
    if (again) {
      checkAttach(ticket, again.session);
      return again;
    }
    const opening = this.open(ticket, size);
    this.opening.set(ticket.sid, opening);
    try {
      return await opening;
    } finally {
      this.opening.delete(ticket.sid);
    }
  }

  private async open(ticket: VerifiedTicket, size: TerminalSize): Promise<Entry> {
    if (!ticket.target) throw new AppError('NOT_FOUND', 'the terminal session has ended; open the lab again', { field: 'ticket.sid' });
    const backend = await this.opts.backends.open(ticket.target, size);
    const now = Date.now();
    const record: SessionRecord = {
      id: ticket.sid,
      ownerId: ticket.ownerId,
      labInstanceId: ticket.labInstanceId,
      courseId: ticket.courseId,
      gatewayId: this.opts.gatewayId,
      ...(this.opts.internalUrl ? { gatewayUrl: this.opts.internalUrl } : {}),
      state: 'live',
      clients: [],
      controlGrantedTo: [],
      recording: ticket.recording,
      createdAt: now,
      lastInputAt: now,
      lastOutputAt: now,
      heartbeatAt: now,
    };
    const registration = new SessionRegistration(this.opts.sessionStore, record, this.opts.log);
    const recorder = ticket.recording
      ? new AsciicastRecorder({
          objectStore: this.opts.objectStore,
          bucket: this.opts.recordingsBucket,
          sessionStore: this.opts.sessionStore,
          log: this.opts.log,
          sessionId: ticket.sid,
          ownerId: ticket.ownerId,
          labInstanceId: ticket.labInstanceId,
          size,
          onBacklog: (behind) => this.entries.get(ticket.sid)?.session.setRecorderBehind(behind),
        })
      : null;
    const session = new LiveSession({
      id: ticket.sid,
      ownerId: ticket.ownerId,
      labInstanceId: ticket.labInstanceId,
      backend,
      size,
      recorder,
      ringBytes: this.opts.ringBytes,
      batching: this.opts.batching,
      creditWindowBytes: this.opts.creditWindowBytes,
      audit: (a) => this.audit(a),
      onActivity: (kind) => registration.activity(kind),
      onClientsChanged: (s) =>
        void registration.change({
          clients: s.viewers().map((v) => ({ clientId: v.clientId, userId: v.userId, mode: v.mode, kind: v.kind })),
          controlGrantedTo: s.controlGrantedTo,
        }),
      onOwnerPresence: (present) => this.ownerPresence(ticket.sid, present),
      onEnded: (s) => void this.ended(s.id),
    });
    const entry: Entry = { session, registration, graceTimer: null };
    this.entries.set(ticket.sid, entry);
    await registration.put();
    this.opts.log.info({ sessionId: ticket.sid, ownerId: ticket.ownerId, recording: ticket.recording }, 'terminal session opened');
    return entry;
  }

  private ownerPresence(id: string, present: boolean): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    if (entry.graceTimer) clearTimeout(entry.graceTimer);
    entry.graceTimer = null;
    if (present) {
      void entry.registration.change({ state: 'live' });
      return;
    }
    void entry.registration.change({ state: 'detached' });
    entry.graceTimer = setTimeout(() => void entry.session.end(CloseCode.SESSION_ENDED, 'the owner did not come back in time'), this.opts.graceSeconds * 1000);
    entry.graceTimer.unref();
  }

  private async ended(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    if (entry.graceTimer) clearTimeout(entry.graceTimer);
    await entry.registration.remove();
    this.opts.log.info({ sessionId: id }, 'terminal session ended');
  }

  private onControl(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    const m = message as { type?: unknown; sessionId?: unknown; by?: unknown };
    if (m.type !== 'kill' || typeof m.sessionId !== 'string') return;
    const entry = this.entries.get(m.sessionId);
    if (!entry) return;
    this.opts.log.info({ sessionId: m.sessionId, by: m.by }, 'terminal session killed by an administrator');
    void entry.session.end(CloseCode.KILLED_BY_ADMIN, 'ended by an administrator');
  }

  /** Live on another replica: not ended, and that replica's heartbeat is fresh. */
  private servedElsewhere(record: SessionRecord): boolean {
    return record.state !== 'ended' && record.gatewayId !== this.opts.gatewayId && !isStale(record, Date.now(), this.opts.staleAfterMs);
  }

  private audit(entry: AuditEntry): void {
    this.opts.sessionStore.publish(AUDIT_CHANNEL, entry).catch((err) => this.opts.log.warn({ err }, 'audit publish failed'));
  }
}
