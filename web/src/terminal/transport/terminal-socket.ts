/**
 * The browser end of one terminal attachment, without any terminal rendering (the view owns xterm).
 *
 * Why it exists: a lab terminal must survive Wi-Fi hiccups and gateway restarts without losing or
 * repeating output. So this class
 * - opens the socket and sends `hello` with a FRESH ticket on every attempt (tickets are single-use),
 *   plus `resumeFrom` = the last output seq it holds, so the gateway replays only what is missing;
 * - drops any output frame whose seq it already holds (exactly-once on screen);
 * - reconnects with exponential backoff and jitter, except after close codes that say retrying is
 *   pointless (FINAL_CLOSE_CODES), and gives up after `maxAttempts` consecutive failures;
 * - returns credit to the gateway only after the view reports that the terminal processed the bytes
 *   (xterm's write callback), so a slow browser slows the producer instead of growing a queue.
 *
 * States: `connecting` (first attempt) -> `live` (welcome received) -> `reconnecting` (socket lost,
 * waiting or retrying) -> `live` ... -> `ended` (final close code, process exit, gave up, or `close()`).
 * `ended` is terminal for the instance; `reconnect()` starts a new cycle from it on user request.
 * While live, `stalled` says a ping went unanswered: the network may have dropped without closing the
 * socket (no FIN ever comes), so the page must not go on saying "live" over frozen output.
 */
import {
  CloseCode,
  FINAL_CLOSE_CODES,
  LIMITS,
  PROTOCOL_VERSION,
  decodeServerControl,
  decodeServerFrame,
  encodeControl,
  encodeInputFrame,
  FrameType,
  type ClientControlMessage,
  type ClientMode,
  type ServerControlMessage,
  type ViewerInfo,
} from '@autolabs/gateway/protocol/wire';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'ended';

export interface TerminalStatus {
  state: ConnectionState;
  /** True while this client may not type (a viewer without granted control). */
  readOnly: boolean;
  mode: ClientMode | null;
  recording: boolean;
  sessionId: string | null;
  userId: string | null;
  /** Live, but a ping went unanswered for `stallMs`: nothing has been heard since. Cleared by any message. */
  stalled: boolean;
  /** Consecutive failed attempts since the last live connection. */
  attempt: number;
  /** While reconnecting: delay before the next attempt. */
  retryInMs: number | null;
  /** Why the connection ended or was lost, for the user. */
  reason: string | null;
  closeCode: number | null;
  viewers: ViewerInfo[];
  controlGrantedTo: string[];
}

/** What the view must provide. `done` must be called once the terminal processed the bytes. */
export interface TerminalSink {
  /** New output, in order, each frame exactly once. */
  output(payload: Uint8Array, done: () => void): void;
  /** Reset the terminal, then write `payload` (the current screen). */
  snapshot(payload: Uint8Array, done: () => void): void;
  status(status: TerminalStatus): void;
  /** Control traffic the page shows: control requests, viewers, size, exit, errors. */
  control?(message: ServerControlMessage): void;
}

export interface TicketGrant {
  ticket: string;
  /** ws: or wss: URL of the gateway socket. */
  url: string;
}

/** The subset of the browser WebSocket this class uses (the `ws` package provides it too, for tests). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export interface TerminalSocketOptions {
  /** Fetches a new single-use ticket; called before every attempt. */
  getTicket: () => Promise<TicketGrant>;
  /** True when a getTicket failure means retrying cannot help (not allowed, lab stopped). */
  isFatalTicketError?: (e: unknown) => boolean;
  size: { cols: number; rows: number };
  backoff?: BackoffPolicy;
  maxAttempts?: number;
  /**
   * A ping goes out every half of it; a socket silent for twice this is treated as dead; an attempt
   * (ticket, open, welcome) that is not live within it is abandoned and retried.
   */
  heartbeatMs?: number;
  /** A ping unanswered this long marks the connection `stalled`. */
  stallMs?: number;
  createSocket?: (url: string) => WebSocketLike;
  random?: () => number;
}

const OPEN = 1;

function describeClose(code: number, reason: string): string {
  const name = (Object.keys(CloseCode) as (keyof typeof CloseCode)[]).find((k) => CloseCode[k] === code);
  if (!name) return reason || `closed with code ${code}`;
  const label = name.toLowerCase().replace(/_/g, ' ');
  return reason ? `${label}: ${reason}` : label;
}

export class TerminalSocket {
  private readonly opts: Required<Omit<TerminalSocketOptions, 'isFatalTicketError'>> & Pick<TerminalSocketOptions, 'isFatalTicketError'>;
  private socket: WebSocketLike | null = null;
  /** Increments per socket, so callbacks from an old socket never touch the current one. */
  private generation = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private attemptTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private stallTimer: ReturnType<typeof setTimeout> | null = null;
  private lastHeard = 0;
  private closedByUser = false;
  /** Highest output seq handed to the sink (across reconnects). */
  private lastSeq = 0;
  private size: { cols: number; rows: number };
  // Credit accounting for the current socket.
  private inFlight = 0;
  private unackedBytes = 0;
  private processedSeq = 0;
  /** An ack is due at the end of the current batch of processed writes. */
  private ackQueued = false;
  private current: TerminalStatus = {
    state: 'connecting',
    readOnly: true,
    mode: null,
    recording: false,
    sessionId: null,
    userId: null,
    stalled: false,
    attempt: 0,
    retryInMs: null,
    reason: null,
    closeCode: null,
    viewers: [],
    controlGrantedTo: [],
  };

  constructor(
    private readonly sink: TerminalSink,
    options: TerminalSocketOptions,
  ) {
    this.opts = {
      backoff: DEFAULT_BACKOFF,
      maxAttempts: 12,
      heartbeatMs: 20_000,
      stallMs: 5_000,
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      random: Math.random,
      // An option given as undefined keeps its default.
      ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as TerminalSocketOptions),
    };
    this.size = options.size;
    this.sink.status(this.current);
    void this.attempt();
  }

  get status(): TerminalStatus {
    return this.current;
  }

  /** Highest output seq held; what the next hello resumes from. */
  get seq(): number {
    return this.lastSeq;
  }

  /** Sends keystrokes. Returns false (and drops them) unless live and allowed to type. */
  sendInput(data: string | Uint8Array): boolean {
    if (this.current.state !== 'live' || this.current.readOnly || this.socket?.readyState !== OPEN) return false;
    this.socket.send(encodeInputFrame(data));
    return true;
  }

  resize(cols: number, rows: number): void {
    const next = { cols: Math.min(LIMITS.maxCols, Math.max(1, cols)), rows: Math.min(LIMITS.maxRows, Math.max(1, rows)) };
    if (next.cols === this.size.cols && next.rows === this.size.rows) return;
    this.size = next;
    this.sendControl({ type: 'resize', ...next });
  }

  requestControl(): void {
    this.sendControl({ type: 'request-control' });
  }

  grantControl(userId: string): void {
    this.sendControl({ type: 'grant-control', userId });
  }

  revokeControl(userId: string): void {
    this.sendControl({ type: 'revoke-control', userId });
  }

  /**
   * Drops the current socket as a network failure would, so the reconnect path runs (browser tests use
   * it through the page's test hook; the "retry now" button uses it while a socket hangs).
   */
  dropConnection(): void {
    if (this.socket) this.onSocketLost(this.generation, 1006, 'connection dropped');
  }

  /** Skips the remaining backoff delay (browser came back online) or restarts after `ended`. */
  reconnect(): void {
    if (this.current.state === 'live') return;
    this.closedByUser = false;
    this.clearRetry();
    if (this.current.state === 'ended') this.update({ attempt: 0 });
    void this.attempt();
  }

  /** Closes for good; no reconnect. */
  close(): void {
    this.closedByUser = true;
    this.clearRetry();
    this.clearAttemptTimer();
    this.stopHeartbeat();
    const socket = this.socket;
    this.socket = null;
    this.generation++;
    if (socket && socket.readyState <= OPEN) socket.close(CloseCode.NORMAL, 'closed');
    this.update({ state: 'ended', reason: 'closed', retryInMs: null });
  }

  private update(patch: Partial<TerminalStatus>): void {
    this.current = { ...this.current, ...patch };
    if (this.current.state !== 'live') this.current.stalled = false;
    this.sink.status(this.current);
  }

  private sendControl(message: ClientControlMessage): void {
    if (this.socket?.readyState === OPEN && this.current.state === 'live') this.socket.send(encodeControl(message));
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private clearAttemptTimer(): void {
    if (this.attemptTimer) clearTimeout(this.attemptTimer);
    this.attemptTimer = null;
  }

  /**
   * An attempt that hangs (a ticket request or a socket that never answers, e.g. through a proxy still
   * holding a connection to a replaced pod) is given up after heartbeatMs: its late answers are ignored.
   */
  private armAttemptDeadline(generation: number): void {
    this.clearAttemptTimer();
    this.attemptTimer = setTimeout(() => {
      this.attemptTimer = null;
      if (generation !== this.generation || this.closedByUser || this.current.state === 'live') return;
      this.generation++;
      const stale = this.socket;
      this.socket = null;
      if (stale && stale.readyState <= OPEN) stale.close();
      this.scheduleRetry('no answer from the gateway', null);
    }, this.opts.heartbeatMs);
  }

  private async attempt(): Promise<void> {
    const generation = ++this.generation;
    this.armAttemptDeadline(generation);
    let grant: TicketGrant;
    try {
      grant = await this.opts.getTicket();
    } catch (e) {
      if (generation !== this.generation || this.closedByUser) return;
      const message = e instanceof Error ? e.message : String(e);
      if (this.opts.isFatalTicketError?.(e)) {
        this.update({ state: 'ended', reason: message, retryInMs: null });
        return;
      }
      this.scheduleRetry(`could not get a terminal ticket: ${message}`, null);
      return;
    }
    if (generation !== this.generation || this.closedByUser) return;

    const socket = this.opts.createSocket(grant.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.inFlight = 0;
    this.unackedBytes = 0;
    this.processedSeq = this.lastSeq;

    socket.onopen = () => {
      if (generation !== this.generation) return;
      const hello: ClientControlMessage = { type: 'hello', v: PROTOCOL_VERSION, ticket: grant.ticket, ...this.size };
      if (this.lastSeq > 0) hello.resumeFrom = this.lastSeq;
      socket.send(encodeControl(hello));
    };
    socket.onmessage = (ev) => {
      if (generation !== this.generation) return;
      this.lastHeard = Date.now();
      if (this.current.stalled) this.update({ stalled: false });
      if (typeof ev.data === 'string') this.onControl(generation, ev.data);
      else if (ev.data instanceof ArrayBuffer) this.onFrame(generation, new Uint8Array(ev.data));
      else if (ArrayBuffer.isView(ev.data)) this.onFrame(generation, new Uint8Array(ev.data.buffer, ev.data.byteOffset, ev.data.byteLength));
    };
    socket.onclose = (ev) => this.onSocketLost(generation, ev.code, ev.reason);
    // An error is always followed by close; the close handler decides.
    socket.onerror = () => undefined;
  }

  private onControl(generation: number, text: string): void {
    const decoded = decodeServerControl(text);
    if (!decoded.ok) return;
    const m = decoded.value;
    switch (m.type) {
      case 'welcome': {
        this.clearAttemptTimer();
        if (m.seq < this.lastSeq) {
          // The session restarted (new gateway state): our seq numbers mean nothing there any more.
          this.lastSeq = 0;
          this.processedSeq = 0;
        }
        this.update({
          state: 'live',
          attempt: 0,
          retryInMs: null,
          reason: null,
          closeCode: null,
          mode: m.mode,
          readOnly: m.readOnly,
          recording: m.recording,
          sessionId: m.sessionId,
          userId: m.userId,
          viewers: m.viewers,
        });
        this.startHeartbeat(generation);
        break;
      }
      case 'control-changed': {
        const granted = this.current.userId !== null && m.controlGrantedTo.includes(this.current.userId);
        const patch: Partial<TerminalStatus> = { controlGrantedTo: m.controlGrantedTo };
        if (this.current.mode !== 'owner') {
          patch.mode = granted ? 'control' : 'viewer';
          patch.readOnly = !granted;
        }
        this.update(patch);
        break;
      }
      case 'viewers':
        this.update({ viewers: m.viewers });
        break;
      case 'ping':
        this.socket?.send(encodeControl({ type: 'pong', t: m.t }));
        break;
      case 'exit':
        this.update({ reason: m.signal ? `terminal ended (signal ${m.signal})` : `terminal ended (exit code ${m.code ?? '?'})` });
        break;
      default:
        break;
    }
    this.sink.control?.(m);
  }

  private onFrame(generation: number, data: Uint8Array): void {
    const decoded = decodeServerFrame(data);
    if (!decoded.ok) return;
    const { type, seq, payload } = decoded.value;
    const bytes = payload.byteLength;
    if (type === FrameType.snapshot) {
      this.lastSeq = seq;
      this.inFlight++;
      this.sink.snapshot(payload, () => this.processed(generation, seq, bytes));
      return;
    }
    if (seq <= this.lastSeq) {
      // Already on screen (replayed after a resume): return its credit, show nothing.
      this.inFlight++;
      this.processed(generation, this.processedSeq, bytes);
      return;
    }
    this.lastSeq = seq;
    this.inFlight++;
    this.sink.output(payload, () => this.processed(generation, seq, bytes));
  }

  /**
   * Credit: ack every `ackEveryBytes` processed, and whenever the terminal has caught up. The terminal
   * reports a batch of writes processed in one go (xterm parses many writes per turn): one ack, sent
   * after the batch, covers them all, rather than an ack per write (each a message across the browser's
   * processes while it draws).
   */
  private processed(generation: number, seq: number, bytes: number): void {
    if (generation !== this.generation) return;
    this.inFlight--;
    this.unackedBytes += bytes;
    if (seq > this.processedSeq) this.processedSeq = seq;
    if (this.ackQueued) return;
    this.ackQueued = true;
    queueMicrotask(() => {
      this.ackQueued = false;
      if (generation === this.generation) this.sendAck();
    });
  }

  private sendAck(): void {
    if (this.unackedBytes === 0) return;
    if (this.unackedBytes >= LIMITS.ackEveryBytes || this.inFlight === 0) {
      if (this.socket?.readyState !== OPEN) return;
      this.socket.send(encodeControl({ type: 'ack', seq: this.processedSeq, bytes: this.unackedBytes, idle: this.inFlight === 0 }));
      this.unackedBytes = 0;
    }
  }

  private startHeartbeat(generation: number): void {
    this.stopHeartbeat();
    this.lastHeard = Date.now();
    const { heartbeatMs, stallMs } = this.opts;
    this.heartbeatTimer = setInterval(() => {
      if (generation !== this.generation) return;
      if (Date.now() - this.lastHeard > heartbeatMs * 2) {
        this.onSocketLost(generation, 1006, 'no answer from the gateway');
        return;
      }
      const sentAt = Date.now();
      this.sendControl({ type: 'ping', t: sentAt });
      if (this.stallTimer) clearTimeout(this.stallTimer);
      this.stallTimer = setTimeout(() => {
        this.stallTimer = null;
        if (generation === this.generation && this.current.state === 'live' && this.lastHeard < sentAt) this.update({ stalled: true });
      }, stallMs);
    }, heartbeatMs / 2);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.heartbeatTimer = null;
    this.stallTimer = null;
  }

  private onSocketLost(generation: number, code: number, reason: string): void {
    if (generation !== this.generation || this.closedByUser) return;
    this.stopHeartbeat();
    const socket = this.socket;
    this.socket = null;
    this.generation++;
    if (socket) {
      socket.onmessage = null;
      socket.onclose = null;
      if (socket.readyState <= OPEN) socket.close(CloseCode.NORMAL, 'reconnecting');
    }
    if (FINAL_CLOSE_CODES.includes(code)) {
      this.update({ state: 'ended', closeCode: code, reason: this.current.reason ?? describeClose(code, reason), retryInMs: null });
      return;
    }
    this.scheduleRetry(describeClose(code, reason), code);
  }

  private scheduleRetry(reason: string, code: number | null): void {
    const attempt = this.current.attempt;
    if (attempt >= this.opts.maxAttempts) {
      this.update({ state: 'ended', reason: `gave up reconnecting (${reason})`, closeCode: code, retryInMs: null });
      return;
    }
    const delay = backoffDelay(attempt, this.opts.backoff, this.opts.random);
    this.update({ state: 'reconnecting', attempt: attempt + 1, retryInMs: delay, reason, closeCode: code });
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.attempt();
    }, delay);
  }
}
