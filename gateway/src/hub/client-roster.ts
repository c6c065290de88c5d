/**
 * Who is attached to one live session and who may type: the owner always, a viewer only while the
 * owner has granted control to that user. Grants are per user (all of a teacher's tabs), and lapse
 * when the user's last connection leaves.
 */
import type { TerminalSize } from '../backends/terminal-backend';
import type { ClientMode, ServerControlMessage, ViewerInfo } from '../protocol/wire';
import type { ClientIdentity, ClientSink } from './client-sink';
import type { CreditWindow } from './flow-control';

export interface AttachedClient {
  id: string;
  who: ClientIdentity;
  role: 'owner' | 'viewer';
  sink: ClientSink;
  credit: CreditWindow;
  /** The size of this client's window (hello, then its resizes); the terminal takes it when the client is active. */
  size: TerminalSize;
  /** Last seq this client holds. */
  seq: number;
  /** syncing: catching up (skipped by live output); live: gets every frame; behind: out of credit. */
  state: 'syncing' | 'live' | 'behind';
  /** Nothing is broadcast to a client before its welcome. */
  welcomed: boolean;
  lastRefusalAt: number;
}

export class ClientRoster {
  private readonly clients = new Map<string, AttachedClient>();
  private readonly control = new Set<string>();

  add(client: AttachedClient): void {
    this.clients.set(client.id, client);
  }

  has(client: AttachedClient): boolean {
    return this.clients.has(client.id);
  }

  /** Removes a client; returns whether it was attached, and whether its user's control grant lapsed. */
  remove(client: AttachedClient): { removed: boolean; controlLapsed: boolean } {
    if (!this.clients.delete(client.id)) return { removed: false, controlLapsed: false };
    const userStays = this.all().some((o) => o.who.userId === client.who.userId);
    return { removed: true, controlLapsed: !userStays && this.control.delete(client.who.userId) };
  }

  all(): AttachedClient[] {
    return [...this.clients.values()];
  }

  owners(): AttachedClient[] {
    return this.all().filter((c) => c.role === 'owner');
  }

  /** A viewer connection of `userId`, if that user is watching. */
  watcher(userId: string): AttachedClient | undefined {
    return this.all().find((c) => c.role === 'viewer' && c.who.userId === userId);
  }

  modeOf(client: AttachedClient): ClientMode {
    if (client.role === 'owner') return 'owner';
    return this.control.has(client.who.userId) ? 'control' : 'viewer';
  }

  get controlGrantedTo(): string[] {
    return [...this.control];
  }

  /** Returns false when nothing changed (granting twice, revoking someone without control). */
  setControl(userId: string, grant: boolean): boolean {
    if (grant === this.control.has(userId)) return false;
    if (grant) this.control.add(userId);
    else this.control.delete(userId);
    return true;
  }

  viewers(): ViewerInfo[] {
    return this.all().map((c) => ({ clientId: c.id, userId: c.who.userId, name: c.who.name, mode: this.modeOf(c), kind: c.sink.kind ?? 'browser' }));
  }

  broadcast(message: ServerControlMessage): void {
    for (const c of this.clients.values()) if (c.welcomed) c.sink.sendControl(message);
  }
}
