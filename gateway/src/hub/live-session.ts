/**
 * One live terminal: a backend, its output history (ring + screen mirror), and the clients attached to
 * it. The owner is read-write; viewers are read-only until the owner grants them control.
 *
 * Output ordering is the heart of it. Every batch of backend output becomes one frame with the next
 * seq; the frame goes to the ring, the screen mirror, the recorder and every *live* client. A client is
 * live only once it holds everything up to the current seq (a replay from the ring, or a snapshot of the
 * screen plus the ring frames after it), so no client ever sees a gap or a duplicate.
 *
 * Flow control: the owner's unacknowledged bytes pause the backend (the shell blocks; nothing is lost).
 * A viewer never pauses it: past its credit it is left behind and catches up later (slow-viewers.ts).
 *
 * Size: as tmux's `window-size latest`, the terminal has the size of the active client's window. An owner
 * becomes active by attaching, resizing or typing; a viewer granted control by typing; a read-only viewer
 * never. Every client reports its window (hello, resize), so the size changes with whoever is active; when
 * control lapses from the active viewer, the owner who attached last is active again.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '@autolabs/common/errors/app-error';
import type { ExitStatus, TerminalBackend, TerminalSize } from '../backends/terminal-backend';
import {
  CloseCode,
  FRAME_HEADER_BYTES,
  FrameType,
  PROTOCOL_VERSION,
  encodeServerFrame,
  writeServerFrameHeader,
  type ClientControlMessage,
  type ViewerInfo,
  type WireErrorCode,
} from '../protocol/wire';
import type { AsciicastRecorder } from '../recording/asciicast-recorder';
import type { AuditEntry, ClientIdentity, ClientSink } from './client-sink';
import { ClientRoster, type AttachedClient } from './client-roster';
import { ADAPTIVE_WINDOW, CreditWindow, DEFAULT_BATCHING, OutputBatcher, PauseGate, fixedWindow, type BatcherOptions, type WindowPolicy } from './flow-control';
import { RingBuffer, type OutputFrame } from './ring-buffer';
import { catchUp, framesWithin, leftBehind } from './slow-viewers';
import { DEFAULT_SCREEN, ScreenMirror, type ScreenText } from './screen-mirror';
import { terminalTraffic } from './terminal-metrics';

export interface LiveSessionOptions {
  id: string;
  ownerId: string;
  labInstanceId: string;
  backend: TerminalBackend;
  size: TerminalSize;
  recorder: AsciicastRecorder | null;
  ringBytes?: number;
  /** A fixed credit window per client; by default each client's window adapts to its pace (ADAPTIVE_WINDOW). */
  creditWindowBytes?: number;
  batching?: BatcherOptions;
  audit: (entry: AuditEntry) => void;
  /** Who is attached or who holds control changed. */
  onClientsChanged: (session: LiveSession) => void;
  onActivity: (kind: 'input' | 'output') => void;
  /** The owner attached (true) or its last connection went away (false): grace period bookkeeping. */
  onOwnerPresence: (present: boolean) => void;
  onEnded: (session: LiveSession) => void;
}

/** The hub's handle for one attached client; the WebSocket layer feeds it decoded messages. */
export interface SessionClient {
  readonly id: string;
  input(data: Uint8Array): void;
  control(message: Exclude<ClientControlMessage, { type: 'hello' | 'ping' | 'pong' }>): void;
  detach(): void;
}

const REFUSAL_INTERVAL_MS = 1000;
/** Input waiting for a program that does not read stdin; beyond this, more input is refused. */
const MAX_INPUT_BACKLOG_BYTES = 1024 * 1024;
const MAX_RESYNC_ATTEMPTS = 5;
/**
 * What the ring counts for a frame beside its bytes: a replayed frame is a message of its own, so a resume
 * after thousands of keystroke echoes replays a bounded number of them.
 */
const RING_FRAME_OVERHEAD_BYTES = 192;

export class LiveSession {
  readonly id: string;
  readonly ownerId: string;
  readonly labInstanceId: string;
  private readonly roster = new ClientRoster();
  private readonly ring: RingBuffer;
  private readonly screen: ScreenMirror;
  private readonly batcher: OutputBatcher;
  private readonly gate: PauseGate;
  private readonly windowPolicy: WindowPolicy;
  private size: TerminalSize;
  private seq = 0;
  private ended = false;
  /** The client whose window sets the size (see the header). */
  private activeClientId: string | null = null;

  constructor(private readonly opts: LiveSessionOptions) {
    this.id = opts.id;
    this.ownerId = opts.ownerId;
    this.labInstanceId = opts.labInstanceId;
    this.size = opts.size;
    this.windowPolicy = opts.creditWindowBytes ? fixedWindow(opts.creditWindowBytes) : ADAPTIVE_WINDOW;
    this.ring = new RingBuffer(opts.ringBytes ?? 2 * 1024 * 1024, RING_FRAME_OVERHEAD_BYTES);
    this.gate = new PauseGate(
      () => opts.backend.pause(),
      () => opts.backend.resume(),
    );
    this.screen = new ScreenMirror(opts.size, DEFAULT_SCREEN);
    this.batcher = new OutputBatcher({ ...(opts.batching ?? DEFAULT_BATCHING), headerBytes: FRAME_HEADER_BYTES }, (frame) => this.emit(frame));
    opts.backend.onData((chunk) => this.batcher.push(chunk));
    opts.backend.onExit((status) => this.exited(status));
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get latestSeq(): number {
    return this.seq;
  }

  get recording(): boolean {
    return this.opts.recorder !== null;
  }

  get paused(): boolean {
    return this.gate.paused;
  }

  get ownerAttached(): boolean {
    return this.roster.owners().length > 0;
  }

  get controlGrantedTo(): string[] {
    return this.roster.controlGrantedTo;
  }

  /** The visible screen as text, for class wall thumbnails (screen-mirror.ts parses it in its worker). */
  screenText(maxCols: number, maxRows: number): Promise<ScreenText> {
    return this.screen.text(maxCols, maxRows);
  }

  /** Recorder backlog also pauses the backend, so a slow object store bounds memory too. */
  setRecorderBehind(behind: boolean): void {
    this.gate.set('recording', behind);
  }

  viewers(): ViewerInfo[] {
    return this.roster.viewers();
  }

  /** Attached connections by role, for /metrics. */
  clientCounts(): { owners: number; viewers: number } {
    const owners = this.roster.owners().length;
    return { owners, viewers: this.roster.all().length - owners };
  }

  /**
   * Attaches a client: welcome, then either the frames after `resumeFrom` from the ring or a screen
   * snapshot, then live output. An owner attaching replaces the owner's previous connection and gives the
   * terminal its window's `size`.
   */
  attach(who: ClientIdentity, role: 'owner' | 'viewer', sink: ClientSink, size: TerminalSize, resumeFrom?: number): SessionClient {
    if (this.ended) throw new AppError('NOT_FOUND', 'the terminal session has ended', { field: 'ticket.sid' });
    const client: AttachedClient = {
      id: randomUUID(),
      who,
      role,
      sink,
      credit: new CreditWindow(this.windowPolicy),
      size,
      seq: 0,
      state: 'syncing',
      welcomed: false,
      lastRefusalAt: 0,
    };
    // A browser connection replaces the owner's previous browser connection (a reconnect, another tab);
    // SSH logins neither replace nor are replaced: each is a terminal window of its own on the shell.
    const replaced = role === 'owner' && sinkKind(sink) === 'browser' ? this.roster.owners().filter((o) => sinkKind(o.sink) === 'browser') : [];
    // The new owner joins before the old one leaves, so the session never looks owner-less.
    this.roster.add(client);
    for (const old of replaced) this.drop(old, CloseCode.SUPERSEDED, 'terminal opened elsewhere');
    // Before the welcome, which then carries the new size; the others get `size`.
    if (role === 'owner') this.activate(client);
    sink.sendControl({
      type: 'welcome',
      v: PROTOCOL_VERSION,
      sessionId: this.id,
      clientId: client.id,
      userId: who.userId,
      mode: this.roster.modeOf(client),
      seq: this.seq,
      readOnly: this.roster.modeOf(client) === 'viewer',
      recording: this.recording,
      cols: this.size.cols,
      rows: this.size.rows,
      viewers: this.viewers(),
    });
    client.welcomed = true;
    // What a resume would replay, sized before the ring copies it out: a viewer past its credit resyncs instead.
    const replayBytes = resumeFrom === undefined ? (this.seq === 0 ? 0 : null) : this.ring.bytesSince(resumeFrom);
    if (replayBytes !== null && (role === 'owner' || replayBytes <= client.credit.windowBytes)) {
      client.seq = resumeFrom ?? 0;
      this.sendFrames(client, resumeFrom === undefined ? [] : (this.ring.since(resumeFrom) ?? []));
      client.state = 'live';
      if (role === 'owner') this.gate.set(ownerCredit(client), client.credit.exhausted);
    } else {
      void this.resync(client);
    }
    if (role === 'owner') this.opts.onOwnerPresence(true);
    this.clientsChanged();
    return {
      id: client.id,
      input: (data) => this.input(client, data),
      control: (message) => this.handleControl(client, message),
      detach: () => this.detach(client),
    };
  }

  /** Ends the session: closes every client with `code`, stops the backend, finishes the recording. */
  async end(code: number, reason: string): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.batcher.flush();
    for (const c of this.roster.all()) this.drop(c, code, reason);
    await this.opts.backend.close();
    await this.finish();
  }

  /** `frame` holds a batch of output after room for its header (the batcher's headerBytes). */
  private emit(frame: Uint8Array): void {
    const seq = ++this.seq;
    writeServerFrameHeader(frame, FrameType.output, seq);
    const payload = frame.subarray(FRAME_HEADER_BYTES);
    this.ring.push({ seq, data: frame });
    this.screen.write(seq, payload);
    this.opts.recorder?.output(payload);
    this.opts.onActivity('output');
    terminalTraffic.outputBytes += payload.byteLength;
    for (const c of this.roster.all()) this.deliver(c, seq, frame);
  }

  private deliver(c: AttachedClient, seq: number, frame: Uint8Array): void {
    if (c.state !== 'live') return;
    if (leftBehind(c)) {
      c.state = 'behind';
      return;
    }
    c.sink.sendFrame(frame);
    c.credit.onSent(frame.byteLength - FRAME_HEADER_BYTES);
    c.seq = seq;
    if (c.role === 'owner' && c.credit.exhausted) this.gate.set(ownerCredit(c), true);
  }

  private sendFrames(c: AttachedClient, frames: OutputFrame[]): void {
    for (const f of frames) {
      c.sink.sendFrame(f.data);
      c.credit.onSent(f.data.byteLength - FRAME_HEADER_BYTES);
      c.seq = f.seq;
    }
  }

  /** Brings a client to the current seq from the screen: resync + snapshot, then ring frames after it. */
  private async resync(c: AttachedClient): Promise<void> {
    c.state = 'syncing';
    for (let attempt = 0; attempt < MAX_RESYNC_ATTEMPTS; attempt++) {
      let snap;
      try {
        snap = await this.screen.snapshot();
      } catch {
        // The session ended (the mirror was disposed), or the screen worker died: this client cannot be
        // brought up to date, so it reconnects rather than waits forever.
        if (!this.ended && this.roster.has(c)) this.drop(c, CloseCode.INTERNAL, 'could not synchronise the screen');
        return;
      }
      if (!this.roster.has(c)) return;
      const after = this.ring.since(snap.seq);
      if (after === null) continue;
      const data = new TextEncoder().encode(snap.data);
      c.sink.sendControl({ type: 'resync', seq: snap.seq, cols: snap.cols, rows: snap.rows });
      c.sink.sendFrame(encodeServerFrame(FrameType.snapshot, snap.seq, data));
      c.credit.forgive();
      c.credit.onSent(data.byteLength);
      c.seq = snap.seq;
      // Output that arrived while the snapshot was taken may be far more than a viewer's credit: it
      // gets what its credit allows and the rest as it acks (see ack), like any viewer left behind.
      const sendable = c.role === 'owner' ? after : framesWithin(after, c.credit.windowBytes - c.credit.inflight);
      this.sendFrames(c, sendable);
      c.state = sendable.length === after.length ? 'live' : 'behind';
      if (c.role === 'owner') this.gate.set(ownerCredit(c), c.credit.exhausted);
      return;
    }
    this.drop(c, CloseCode.INTERNAL, 'could not synchronise the screen');
  }

  private input(c: AttachedClient, data: Uint8Array): void {
    if (this.ended) return;
    if (this.roster.modeOf(c) === 'viewer') return this.refuseInput(c, 'FORBIDDEN', 'read-only: ask the owner for control before typing');
    if (data.byteLength === 0) return;
    if (this.opts.backend.writeBacklogBytes > MAX_INPUT_BACKLOG_BYTES) {
      return this.refuseInput(c, 'PAYLOAD_TOO_LARGE', 'the program is not reading its input; input dropped');
    }
    // Typing makes this window the active one: the program sees its size before the keystroke.
    if (this.activeClientId !== c.id) this.activate(c);
    this.opts.backend.write(data);
    this.opts.onActivity('input');
    terminalTraffic.inputBytes += data.byteLength;
  }

  /** One refusal per burst is enough: a client mashing keys must not make us flood it with errors. */
  private refuseInput(c: AttachedClient, code: WireErrorCode, message: string): void {
    const now = Date.now();
    if (now - c.lastRefusalAt < REFUSAL_INTERVAL_MS) return;
    c.lastRefusalAt = now;
    this.refuse(c, code, message, 'input');
  }

  private handleControl(c: AttachedClient, m: Exclude<ClientControlMessage, { type: 'hello' | 'ping' | 'pong' }>): void {
    if (this.ended) return;
    switch (m.type) {
      case 'ack':
        return this.ack(c, m.bytes, m.idle === true);
      case 'resize':
        // Remembered for everyone; applied for an owner, or for a viewer with control that is typing.
        c.size = { cols: m.cols, rows: m.rows };
        if (c.role === 'owner' || this.activeClientId === c.id) this.activate(c);
        return;
      case 'grant-control':
      case 'revoke-control':
        return this.setControl(c, m.userId, m.type === 'grant-control');
      case 'request-control': {
        if (c.role === 'owner') return this.refuse(c, 'BAD_INPUT', 'the owner already has control', 'type');
        const owners = this.roster.owners();
        if (owners.length === 0) return this.refuse(c, 'NOT_FOUND', 'the owner is not connected', 'type');
        for (const o of owners) o.sink.sendControl({ type: 'request-control', userId: c.who.userId, name: c.who.name });
        return;
      }
    }
  }

  private ack(c: AttachedClient, bytes: number, idle: boolean): void {
    c.credit.onAck(bytes, idle);
    if (c.role === 'owner') {
      if (!c.credit.exhausted) this.gate.set(ownerCredit(c), false);
      return;
    }
    const plan = catchUp(c, this.ring);
    if (plan.kind === 'frames') {
      this.sendFrames(c, plan.frames);
      c.state = 'live';
    } else if (plan.kind === 'resync') {
      void this.resync(c);
    }
  }

  private activate(c: AttachedClient): void {
    this.activeClientId = c.id;
    this.resize(c.size);
  }

  /** Control lapsed from `userId`: if their window was active, the owner who attached last takes over. */
  private controlLapsed(userId: string): void {
    const active = this.roster.all().find((o) => o.id === this.activeClientId);
    if (active && active.who.userId !== userId) return;
    const owner = this.roster.owners().at(-1);
    this.activeClientId = null;
    if (owner) this.activate(owner);
  }

  private resize(size: TerminalSize): void {
    if (size.cols === this.size.cols && size.rows === this.size.rows) return;
    this.batcher.flush();
    this.size = size;
    this.opts.backend.resize(size);
    this.screen.resize(size);
    this.opts.recorder?.resize(size);
    this.roster.broadcast({ type: 'size', cols: size.cols, rows: size.rows });
  }

  private setControl(c: AttachedClient, userId: string, grant: boolean): void {
    if (c.role !== 'owner') return this.refuse(c, 'FORBIDDEN', 'only the owner grants or revokes control', 'userId');
    if (grant && !this.roster.watcher(userId)) return this.refuse(c, 'NOT_FOUND', 'that user is not watching this terminal', 'userId');
    if (!this.roster.setControl(userId, grant)) return;
    if (!grant) this.controlLapsed(userId);
    this.opts.audit({
      actorId: c.who.userId,
      action: grant ? 'terminal.control.grant' : 'terminal.control.revoke',
      targetType: 'terminal_session',
      targetId: this.id,
      outcome: 'success',
      detail: { userId },
    });
    this.roster.broadcast({ type: 'control-changed', controlGrantedTo: this.controlGrantedTo, by: c.who.userId });
    this.clientsChanged();
  }

  private refuse(c: AttachedClient, code: WireErrorCode, message: string, field: string): void {
    c.sink.sendControl({ type: 'error', code, message, field });
  }

  private detach(c: AttachedClient): void {
    const { removed, controlLapsed } = this.roster.remove(c);
    if (!removed) return;
    if (controlLapsed) {
      this.controlLapsed(c.who.userId);
      this.roster.broadcast({ type: 'control-changed', controlGrantedTo: this.controlGrantedTo, by: c.who.userId });
    }
    if (c.role === 'owner') {
      // Nobody acks for a gone owner: its credit must not keep the shell paused.
      this.gate.set(ownerCredit(c), false);
      if (!this.ownerAttached && !this.ended) this.opts.onOwnerPresence(false);
    }
    if (!this.ended) this.clientsChanged();
  }

  private drop(c: AttachedClient, code: number, reason: string): void {
    c.sink.close(code, reason);
    this.detach(c);
  }

  private clientsChanged(): void {
    this.roster.broadcast({ type: 'viewers', viewers: this.viewers() });
    this.opts.onClientsChanged(this);
  }

  private exited(status: ExitStatus): void {
    if (this.ended) return;
    this.ended = true;
    this.batcher.flush();
    this.roster.broadcast({ type: 'exit', code: status.code, signal: status.signal });
    for (const c of this.roster.all()) this.drop(c, CloseCode.SESSION_ENDED, 'the shell exited');
    void this.finish();
  }

  private async finish(): Promise<void> {
    this.screen.dispose();
    await this.opts.recorder?.finish();
    this.opts.onEnded(this);
  }
}

/** Each owner connection's credit pauses the shell on its own: the slowest owner sets the pace. */
function ownerCredit(c: AttachedClient): string {
  return `owner-credit:${c.id}`;
}

function sinkKind(sink: ClientSink): 'browser' | 'ssh' {
  return sink.kind ?? 'browser';
}

/** The longest run of frames from the start whose payloads fit in `budget` bytes. */
