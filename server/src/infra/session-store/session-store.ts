/**
 * Where live terminal sessions are registered, so any gateway replica can locate a session, the admin
 * console can list and kill them, and the idle culler can read activity. Also holds single-use ticket ids
 * and carries control messages between processes.
 * Implementations: MemorySessionStore (embedded) and RedisSessionStore. Both pass session-store.contract.ts.
 *
 * Semantics: records are JSON; `update` of a missing id is a no-op returning false. Records are not
 * deleted when a gateway dies: `gatewayId` + `heartbeatAt` let readers treat stale ones as gone.
 */
import type { Disposable } from '../disposable';

export interface SessionRecord {
  id: string;
  ownerId: string;
  labInstanceId: string;
  courseId: string | null;
  gatewayId: string;
  state: 'live' | 'detached' | 'ended';
  /** userId -> mode, for every attached client. */
  clients: { clientId: string; userId: string; mode: 'owner' | 'viewer' | 'control' }[];
  controlGrantedTo: string[];
  recording: boolean;
  createdAt: number;
  lastInputAt: number;
  lastOutputAt: number;
  heartbeatAt: number;
}

export interface SessionStore {
  put(record: SessionRecord): Promise<void>;
  get(id: string): Promise<SessionRecord | null>;
  update(id: string, patch: Partial<Omit<SessionRecord, 'id'>>): Promise<boolean>;
  list(filter?: { ownerId?: string; labInstanceId?: string; courseId?: string }): Promise<SessionRecord[]>;
  remove(id: string): Promise<void>;
  /** Records `key` for `ttlSeconds`; true the first time, false if it was already there (single-use tickets). */
  claimOnce(key: string, ttlSeconds: number): Promise<boolean>;
  publish(channel: string, message: unknown): Promise<void>;
  subscribe(channel: string, handler: (message: unknown) => void): Promise<Disposable>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Channel on which the server asks gateways to act on a session ({ type: 'kill', sessionId, by }). */
export const SESSION_CONTROL_CHANNEL = 'autolabs:session-control';

/**
 * Channel on which gateways report what must be audited ({ actorId, action, targetType, targetId, outcome,
 * detail }); the server writes these to audit_logs, because the gateway never touches the database.
 */
export const AUDIT_CHANNEL = 'autolabs:audit';

/** Channel on which gateways announce recordings ({ type: 'started' | 'finished', sessionId, ... }). */
export const RECORDING_CHANNEL = 'autolabs:recordings';
