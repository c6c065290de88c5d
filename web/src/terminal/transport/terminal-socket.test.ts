import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CloseCode, LIMITS, type AckMessage, type HelloMessage } from '@autolabs/gateway/protocol/wire';
import { nodeSocket, ScriptedGateway, type ScriptedConnection } from '../../../testing/scripted-gateway';
import { TerminalSocket, type TerminalStatus } from './terminal-socket';

/** Records what the transport hands to the view; `autoDone` acknowledges processing immediately. */
class RecordingSink {
  text = '';
  statuses: TerminalStatus[] = [];
  held: (() => void)[] = [];
  private stateWaiters: { state: TerminalStatus['state']; resolve: () => void }[] = [];
  constructor(private readonly autoDone = true) {}
  /** Resolves when the transport reports `state` (without polling, so it works under fake timers). */
  reaches(state: TerminalStatus['state']): Promise<void> {
    return new Promise((resolve) => this.stateWaiters.push({ state, resolve }));
  }
  output(payload: Uint8Array, done: () => void) {
    this.text += new TextDecoder().decode(payload);
    if (this.autoDone) done();
    else this.held.push(done);
  }
  snapshot(payload: Uint8Array, done: () => void) {
    this.text = new TextDecoder().decode(payload);
    if (this.autoDone) done();
    else this.held.push(done);
  }
  status(s: TerminalStatus) {
    this.statuses.push(s);
    for (const w of this.stateWaiters.filter((w) => w.state === s.state)) w.resolve();
    this.stateWaiters = this.stateWaiters.filter((w) => w.state !== s.state);
  }
  get last(): TerminalStatus {
    return this.statuses[this.statuses.length - 1];
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Pings the client and waits for its pong. The client answers in order on the same socket, so anything
 * it sent in reaction to earlier frames (an ack, a resize) has arrived by then: "nothing more" becomes
 * observable without waiting a fixed time.
 */
async function roundTrip(conn: ScriptedConnection): Promise<void> {
  conn.control({ type: 'ping', t: Date.now() });
  await conn.nextControl('pong');
}

let gateway: ScriptedGateway;
let sockets: TerminalSocket[] = [];
let ticketsIssued = 0;

beforeEach(async () => {
  gateway = await ScriptedGateway.start();
  ticketsIssued = 0;
});
afterEach(async () => {
  for (const s of sockets) s.close();
  sockets = [];
  await gateway.close();
});

function open(sink: RecordingSink, extra: Partial<ConstructorParameters<typeof TerminalSocket>[1]> = {}) {
  const socket = new TerminalSocket(sink, {
    getTicket: async () => ({ ticket: `ticket-${++ticketsIssued}`, url: gateway.url }),
    size: { cols: 100, rows: 30 },
    backoff: { baseMs: 20, maxMs: 200, factor: 2 },
    createSocket: nodeSocket,
    ...extra,
  });
  sockets.push(socket);
  return socket;
}

describe('TerminalSocket', () => {
  it('sends hello with the ticket as its first message, never in the URL, and is live after welcome', async () => {
    const sink = new RecordingSink();
    open(sink);
    const conn = await gateway.connection(0);
    const hello = (await conn.nextControl('hello')) as HelloMessage;
    expect(conn.controls[0]).toBe(hello);
    expect(hello).toMatchObject({ ticket: 'ticket-1', cols: 100, rows: 30, v: 1 });
    expect(hello.resumeFrom).toBeUndefined();
    expect(conn.url).not.toContain('ticket');
    expect(sink.last.state).toBe('connecting');
    conn.welcome({ recording: true });
    await until(() => sink.last.state === 'live', 'live');
    expect(sink.last.recording).toBe(true);
  });

  it('reconnects after a drop with a fresh ticket and resumeFrom, and shows replayed output once', async () => {
    const sink = new RecordingSink();
    const socket = open(sink);
    const first = await gateway.connection(0);
    await first.nextControl('hello');
    first.welcome();
    first.output(1, 'one\r\n');
    first.output(2, 'two\r\n');
    await until(() => sink.text === 'one\r\ntwo\r\n', 'two lines');

    first.socket.terminate();
    await until(() => sink.last.state === 'reconnecting', 'reconnecting');
    const second = await gateway.connection(1);
    const hello = (await second.nextControl('hello')) as HelloMessage;
    expect(hello.ticket).toBe('ticket-2');
    expect(hello.resumeFrom).toBe(2);
    second.welcome({ seq: 3 });
    // A gateway may replay from an older point; frames 1-2 must not appear twice.
    second.output(1, 'one\r\n');
    second.output(2, 'two\r\n');
    second.output(3, 'three\r\n');
    await until(() => socket.seq === 3, 'seq 3');
    expect(sink.text).toBe('one\r\ntwo\r\nthree\r\n');
    expect(sink.last.state).toBe('live');
  });

  it('drops the socket on request and comes back live on a new connection', async () => {
    const sink = new RecordingSink();
    const socket = open(sink);
    const first = await gateway.connection(0);
    await first.nextControl('hello');
    first.welcome();
    await until(() => sink.last.state === 'live', 'live');
    socket.dropConnection();
    expect(sink.last.state).toBe('reconnecting');
    const second = await gateway.connection(1);
    await second.nextControl('hello');
    second.welcome();
    await until(() => sink.last.state === 'live', 'live again');
    expect(ticketsIssued).toBe(2);
  });

  it('takes its defaults for options given as undefined (a caller passing an optional value through)', async () => {
    const sink = new RecordingSink();
    const socket = open(sink, { backoff: undefined, random: undefined, maxAttempts: undefined });
    const first = await gateway.connection(0);
    await first.nextControl('hello');
    first.welcome();
    await until(() => sink.last.state === 'live', 'live');
    socket.dropConnection();
    // The default backoff's first step (0.5 s at most): with `backoff: undefined` taken as given, no retry came.
    expect(sink.last.retryInMs).toBeGreaterThan(0);
    const second = await gateway.connection(1);
    await second.nextControl('hello');
  });

  it('waits longer between each failed attempt and gives up after maxAttempts', async () => {
    const sink = new RecordingSink();
    const url = gateway.url;
    await gateway.close();
    const attemptsAt: number[] = [];
    open(sink, {
      maxAttempts: 4,
      random: () => 0,
      getTicket: async () => {
        attemptsAt.push(Date.now());
        return { ticket: 't', url };
      },
    });
    await until(() => sink.last.state === 'ended', 'gave up', 5000);
    expect(attemptsAt).toHaveLength(5);
    const gaps = attemptsAt.slice(1).map((t, i) => t - attemptsAt[i]);
    // random 0 -> half of 20, 40, 80, 160 ms plus connection time.
    expect(gaps[0]).toBeGreaterThanOrEqual(9);
    expect(gaps[3]).toBeGreaterThanOrEqual(79);
    expect(gaps[3]).toBeGreaterThan(gaps[0]);
    expect(sink.last.reason).toMatch(/gave up/);
    gateway = await ScriptedGateway.start();
  });

  it('does not reconnect after a final close code and says why', async () => {
    const sink = new RecordingSink();
    open(sink);
    const conn = await gateway.connection(0);
    await conn.nextControl('hello');
    // A reconnect could only come from a retry timer: fake the timers, then run every delay the backoff
    // could choose (at most maxMs, 200 ms here) and check that no attempt (each fetches a ticket) started.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      const ended = sink.reaches('ended');
      conn.socket.close(CloseCode.TICKET_INVALID, 'bad signature');
      await ended;
      expect(sink.last.closeCode).toBe(CloseCode.TICKET_INVALID);
      expect(sink.last.reason).toContain('ticket invalid');
      await vi.advanceTimersByTimeAsync(10 * 200);
      expect(ticketsIssued).toBe(1);
      expect(gateway.connections).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reports the exit status when the terminal process ends', async () => {
    const sink = new RecordingSink();
    open(sink);
    const conn = await gateway.connection(0);
    await conn.nextControl('hello');
    conn.welcome();
    conn.control({ type: 'exit', code: 0, signal: null });
    conn.socket.close(CloseCode.SESSION_ENDED, 'exited');
    await until(() => sink.last.state === 'ended', 'ended');
    expect(sink.last.reason).toBe('terminal ended (exit code 0)');
  });

  it('gives up an attempt that never answers (a ticket request that hangs) and goes live on the next one', async () => {
    const sink = new RecordingSink();
    let calls = 0;
    open(sink, {
      heartbeatMs: 300,
      getTicket: () => {
        calls++;
        // The first request hangs for good, as one sent to a replaced pod through a stale connection can.
        if (calls === 1) return new Promise(() => undefined);
        return Promise.resolve({ ticket: `ticket-${++ticketsIssued}`, url: gateway.url });
      },
    });
    await sink.reaches('reconnecting');
    expect(sink.last.reason).toBe('no answer from the gateway');
    const conn = await gateway.connection(0);
    await conn.nextControl('hello');
    conn.welcome();
    await until(() => sink.last.state === 'live', 'live');
    expect([calls, gateway.connections.length]).toEqual([2, 1]);
  });

  it('marks a live connection stalled while its ping goes unanswered, live again on an answer, dropped when silence lasts', async () => {
    const sink = new RecordingSink();
    open(sink, { heartbeatMs: 400, stallMs: 50 });
    const conn = await gateway.connection(0);
    await conn.nextControl('hello');
    conn.welcome();
    await until(() => sink.last.state === 'live', 'live');
    const ping = await conn.nextControl('ping');
    await until(() => sink.last.stalled, 'stalled');
    expect(sink.last.state).toBe('live');
    conn.control({ type: 'pong', t: (ping as { t?: number }).t });
    await until(() => !sink.last.stalled, 'not stalled');
    // Nothing answered from now on: stalled at the next ping, then the socket is given up.
    await until(() => sink.last.stalled, 'stalled again');
    await sink.reaches('reconnecting');
    expect(sink.last).toMatchObject({ stalled: false, reason: 'no answer from the gateway' });
  });

  it('ends without retrying when the ticket request fails for good', async () => {
    const sink = new RecordingSink();
    let calls = 0;
    open(sink, {
      getTicket: async () => {
        calls++;
        throw new Error('lab is not running');
      },
      isFatalTicketError: () => true,
    });
    await until(() => sink.last?.state === 'ended', 'ended');
    expect(sink.last.reason).toBe('lab is not running');
    expect(calls).toBe(1);
  });

  it('returns credit only after the view processed the bytes, with the exact byte count', async () => {
    const sink = new RecordingSink(false);
    open(sink);
    const conn = await gateway.connection(0);
    await conn.nextControl('hello');
    conn.welcome();
    conn.output(1, 'abc');
    conn.output(2, 'defgh');
    await until(() => sink.held.length === 2, 'two frames');
    await roundTrip(conn);
    expect(conn.controls.filter((m) => m.type === 'ack')).toHaveLength(0);
    sink.held[0]();
    // One frame still in the terminal's queue and under ackEveryBytes: no ack yet.
    await roundTrip(conn);
    expect(conn.controls.filter((m) => m.type === 'ack')).toHaveLength(0);
    sink.held[1]();
    // The terminal has processed everything: the ack says so (the gateway grows a window that starved it).
    const ack = (await conn.nextControl('ack')) as AckMessage;
    expect(ack).toEqual({ type: 'ack', seq: 2, bytes: 8, idle: true });
  });

  /** A live terminal holding five frames of half `ackEveryBytes` each, none processed yet. */
  async function fiveHeldFrames() {
    const sink = new RecordingSink(false);
    open(sink);
    const conn = await gateway.connection(0);
    await conn.nextControl('hello');
    conn.welcome();
    const chunk = new Uint8Array(LIMITS.ackEveryBytes / 2).fill(65);
    for (let seq = 1; seq <= 5; seq++) conn.output(seq, chunk);
    await until(() => sink.held.length === 5, 'five frames');
    return { sink, conn, chunk };
  }

  it('acks every ackEveryBytes while the terminal is still busy', async () => {
    const { sink, conn } = await fiveHeldFrames();
    sink.held[0]();
    sink.held[1]();
    const ack = (await conn.nextControl('ack')) as AckMessage;
    expect(ack).toEqual({ type: 'ack', seq: 2, bytes: LIMITS.ackEveryBytes, idle: false });
  });

  it('sends one ack for writes the terminal processed in one go (xterm parses a batch per turn)', async () => {
    const { sink, conn, chunk } = await fiveHeldFrames();
    for (const done of sink.held) done();
    await roundTrip(conn);
    expect(conn.controls.filter((m) => m.type === 'ack')).toEqual([{ type: 'ack', seq: 5, bytes: 5 * chunk.byteLength, idle: true }]);
  });

  it('keeps a viewer read-only until the owner grants control, then sends its input', async () => {
    const sink = new RecordingSink();
    const socket = open(sink);
    const conn = await gateway.connection(0);
    await conn.nextControl('hello');
    conn.welcome({ mode: 'viewer', readOnly: true, userId: 'u-teacher' });
    await until(() => sink.last.state === 'live', 'live');
    expect(socket.sendInput('rm -rf /\r')).toBe(false);
    socket.requestControl();
    await conn.nextControl('request-control');
    conn.control({ type: 'control-changed', controlGrantedTo: ['u-teacher'], by: 'u-student' });
    await until(() => sink.last.readOnly === false, 'control granted');
    expect(sink.last.mode).toBe('control');
    expect(socket.sendInput('ls\r')).toBe(true);
    await until(() => conn.inputs.length === 1, 'input');
    expect(conn.inputs).toEqual(['ls\r']);
  });

  it('sends a resize only when the size changes', async () => {
    const sink = new RecordingSink();
    const socket = open(sink);
    const conn = await gateway.connection(0);
    await conn.nextControl('hello');
    conn.welcome();
    await until(() => sink.last.state === 'live', 'live');
    socket.resize(100, 30);
    socket.resize(120, 40);
    expect(await conn.nextControl('resize')).toEqual({ type: 'resize', cols: 120, rows: 40 });
    await roundTrip(conn);
    expect(conn.controls.filter((m) => m.type === 'resize')).toHaveLength(1);
  });

  it('replaces the screen with a snapshot and resumes after its seq', async () => {
    const sink = new RecordingSink();
    const socket = open(sink);
    const conn = await gateway.connection(0);
    await conn.nextControl('hello');
    conn.welcome({ seq: 40 });
    conn.control({ type: 'resync', seq: 40, cols: 80, rows: 24 });
    conn.snapshot(40, '$ screen\r\n');
    conn.output(40, 'stale');
    conn.output(41, 'fresh');
    await until(() => socket.seq === 41, 'seq 41');
    expect(sink.text).toBe('$ screen\r\nfresh');
  });
});
