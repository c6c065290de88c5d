/**
 * The gateway's SSH front door: one ssh2 server on one port for every student's labs. `ssh -p 2222
 * ada@host` asks the API who holds the credential and which of Ada's labs runs (ssh-login-client.ts;
 * the gateway never reads the database), gets the same signed owner ticket a browser gets, and admits
 * it through the same path (signature, single use), then joins the session hub (ssh-terminal.ts).
 *
 * At the edge, before anything is asked: the login name's size and shape, the auth method, the public
 * key's signature over the session (verified here; the API then only matches the key), the password's
 * length. A connection has `authTimeoutMs` to authenticate and `MAX_AUTH_FAILURES` tries; connections
 * still authenticating count against their address (PendingLimit, as the WebSocket door does). Agent,
 * X11, port and socket forwarding, environment variables and subsystems other than sftp are refused. Every
 * refusal of a login says why (auth-banner.ts); the API throttles and audits them.
 *
 * One shell or command per connection: the ticket is single-use (a second channel is refused; open a
 * second connection instead).
 */
import net, { type AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { AuthContext, Connection, Server, ServerChannel, Session } from 'ssh2';
import { isAppError } from '@autolabs/common/errors/app-error';
import type { SshLoginAnswer, SshLoginRequest } from '@autolabs/common/ssh/ssh-login-wire';
import type { VerifiedTicket } from '@autolabs/common/tickets/ticket';
import { DEFAULT_MAX_PENDING_PER_CLIENT, PendingLimit } from '../auth/pending-limit';
import type { TerminalSize } from '../backends/terminal-backend';
import type { ClientSink } from '../hub/client-sink';
import type { SessionClient } from '../hub/live-session';
import { sendAuthBanner } from './auth-banner';
import { commandArgv, runOnChannel } from './ssh-exec';
import type { SshLoginAuthority } from './ssh-login-client';
import { parseLoginName } from './ssh-login-name';
import { attachShell, clampSize } from './ssh-terminal';

export interface SshFrontDoorOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** OpenSSH private key text (platform/ssh-host-key.ts). */
  hostKey: string;
  authority: SshLoginAuthority;
  /** Verifies the ticket and claims it once (auth/ticket-gate.ts), as for a WebSocket. */
  admit: (token: string) => Promise<VerifiedTicket>;
  /** SessionHub.attach. */
  attach: (ticket: VerifiedTicket, sink: ClientSink, size: TerminalSize) => Promise<SessionClient>;
  /** Where local labs record their terminal argv (commands over SSH run with it). */
  localDataDir?: string;
  log: FastifyBaseLogger;
  /** A connection that has not authenticated by then is closed (default 30 s). */
  authTimeoutMs?: number;
  maxPendingPerClient?: number;
  keepaliveIntervalMs?: number;
  /**
   * Records what the door refuses by itself, before any account is asked (published on AUDIT_CHANNEL;
   * the API writes it to the audit log next to the `ssh.login` entries it makes for its own decisions).
   */
  audit?: (entry: EdgeDenial) => void;
}

/** A refusal at the door: no account was asked, so there is no actor. */
export interface EdgeDenial {
  actorId: null;
  action: 'ssh.login';
  targetType: 'user';
  outcome: 'denied';
  detail: { reason: string; address: string; username?: string };
}

export const MAX_AUTH_FAILURES = 6;
const METHODS: AuthContext['method'][] = ['publickey', 'password'];
const MAX_PASSWORD_BYTES = 200;
/**
 * sftp (and scp, which speaks sftp since OpenSSH 9) runs the lab's own sftp-server, as the student, in
 * the lab: files land in the lab's storage with the student's ownership and quota. Images with
 * `ssh: true` have it (openssh-sftp-server); without it the client is told what to install.
 */
const SFTP_SERVER_COMMAND =
  'if [ -x /usr/lib/openssh/sftp-server ]; then exec /usr/lib/openssh/sftp-server; fi; ' +
  'echo "autolabs: this lab has no sftp-server (its image needs the openssh-sftp-server package)" >&2; exit 127';

type Accepted = Extract<SshLoginAnswer, { outcome: 'accepted' }>;

/** A TCP connection from accept until it authenticates: its admission slot and its deadline. */
interface Arrival {
  signedIn(): void;
}

export class SshFrontDoor {
  private readonly sockets = new Set<net.Socket>();
  private readonly arrivals = new Map<string, Arrival>();
  private readonly pending: PendingLimit;

  private constructor(
    private readonly tcp: net.Server,
    private readonly ssh: Server,
    private readonly ssh2: typeof import('ssh2'),
    private readonly opts: SshFrontDoorOptions,
  ) {
    this.pending = new PendingLimit(opts.maxPendingPerClient ?? DEFAULT_MAX_PENDING_PER_CLIENT);
  }

  static async listen(opts: SshFrontDoorOptions): Promise<SshFrontDoor> {
    // ssh2 (a native addon and a WebAssembly module with 16 MiB of memory) is loaded when the door opens:
    // a gateway without it (GATEWAY_SSH_PORT=0) never pays for it.
    const ssh2 = (await import('ssh2')).default;
    const keepalive = opts.keepaliveIntervalMs ?? 15_000;
    const ssh = new ssh2.Server({ hostKeys: [opts.hostKey], ident: 'AutoLabs', keepaliveInterval: keepalive, keepaliveCountMax: 4 });
    // We accept TCP ourselves and hand sockets to ssh2: limits and the auth deadline must hold from the
    // first byte, and ssh2 only reports a connection once the client has sent its version line.
    const tcp = net.createServer();
    const door = new SshFrontDoor(tcp, ssh, ssh2, opts);
    tcp.on('connection', (socket) => door.arrive(socket));
    ssh.on('connection', (conn, info) => door.serve(conn, info.ip, door.arrivals.get(`${info.ip}:${info.port}`)));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(opts.port, opts.host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    tcp.on('error', (err: Error) => opts.log.error({ err }, 'ssh front door error'));
    return door;
  }

  get port(): number {
    return (this.tcp.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private denied(reason: string, address: string, username?: string): void {
    this.opts.audit?.({ actorId: null, action: 'ssh.login', targetType: 'user', outcome: 'denied', detail: { reason, address, ...(username ? { username: username.slice(0, 64) } : {}) } });
  }

  private arrive(socket: net.Socket): void {
    const { log } = this.opts;
    const ip = socket.remoteAddress ?? 'unknown';
    socket.on('error', (err) => log.debug({ err, ip }, 'ssh socket error'));
    const admission = this.pending.admit(ip);
    if (!admission.ok) {
      if (admission.first) {
        log.warn({ ip }, 'ssh connections refused: too many from this address are still authenticating');
        this.denied('too many connections from this address are still authenticating', ip);
      }
      socket.destroy();
      return;
    }
    // Keystroke echoes are tiny: Nagle's algorithm would hold them for up to 40 ms.
    socket.setNoDelay(true);
    const key = `${ip}:${socket.remotePort}`;
    const deadline = setTimeout(() => {
      log.info({ ip }, 'ssh client did not authenticate in time; closed');
      this.denied('did not authenticate in time', ip);
      socket.destroy();
    }, this.opts.authTimeoutMs ?? 30_000);
    const settle = () => {
      clearTimeout(deadline);
      admission.release();
      this.arrivals.delete(key);
    };
    this.arrivals.set(key, { signedIn: settle });
    this.sockets.add(socket);
    socket.once('close', () => {
      settle();
      this.sockets.delete(socket);
    });
    this.ssh.injectSocket(socket);
  }

  private serve(conn: Connection, ip: string, arrival: Arrival | undefined): void {
    const { log } = this.opts;
    if (!arrival) {
      conn.end();
      return;
    }
    let login: Accepted | null = null;
    let failures = 0;
    let ticketUsed = false;
    conn.on('error', (err) => log.debug({ err, ip }, 'ssh connection error'));

    conn.on('authentication', (ctx) => {
      void this.authenticate(ctx, ip).then((answer) => {
        if (answer?.outcome === 'accepted') {
          login = answer;
          return ctx.accept();
        }
        if (answer === null && ctx.method === 'publickey' && !ctx.signature) return ctx.accept();
        if (answer?.outcome === 'denied' || answer === undefined) failures++;
        if (failures >= MAX_AUTH_FAILURES) {
          sendAuthBanner(ctx, `Too many failed attempts (${MAX_AUTH_FAILURES}); disconnecting.`);
          this.denied('too many failed attempts on one connection', ip, ctx.username);
          conn.end();
          return;
        }
        ctx.reject(METHODS);
      });
    });

    conn.on('ready', () => {
      // Signed in: no deadline any more, and the connection no longer counts against its address.
      arrival.signedIn();
      log.info({ ip, userId: login?.userId, lab: login?.lab?.login }, 'ssh login');
    });
    // Port forwarding either way and OpenSSH socket forwarding: refused.
    conn.on('tcpip', (_accept, reject) => reject());
    conn.on('openssh.streamlocal', (_accept, reject) => reject());
    conn.on('request', (_accept, reject) => reject?.());

    conn.on('session', (accept) => {
      const session = accept();
      this.serveSession(session, () => {
        if (!login) return { refused: 'not signed in' };
        if (ticketUsed) return { refused: 'one terminal per SSH connection: open another connection for another one' };
        ticketUsed = true;
        return { login };
      });
    });
  }

  /**
   * The login decision for one auth request: the API's answer, `null` for a public-key probe without a
   * signature (answered "go ahead and sign", whoever asks: the decision comes with the signature), or
   * undefined when refused here, at the edge (a banner already says why).
   */
  private async authenticate(ctx: AuthContext, ip: string): Promise<SshLoginAnswer | null | undefined> {
    const name = parseLoginName(ctx.username);
    if (!name.ok) {
      sendAuthBanner(ctx, name.message);
      this.denied('login name refused', ip, ctx.username);
      return undefined;
    }
    let credential: SshLoginRequest['credential'];
    if (ctx.method === 'publickey') {
      if (!ctx.signature) return null;
      const key = this.ssh2.utils.parseKey(ctx.key.data);
      if (key instanceof Error || Array.isArray(key) || !ctx.blob || !key.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) {
        sendAuthBanner(ctx, 'Permission denied: the key\'s signature does not verify.');
        this.denied('key signature does not verify', ip, name.username);
        return undefined;
      }
      credential = { kind: 'publickey', key: ctx.key.data.toString('base64') };
    } else if (ctx.method === 'password') {
      if (Buffer.byteLength(ctx.password) > MAX_PASSWORD_BYTES) {
        sendAuthBanner(ctx, 'Permission denied: that password is too long.');
        this.denied('password too long', ip, name.username);
        return undefined;
      }
      credential = { kind: 'password', password: ctx.password };
    } else {
      // `none` (OpenSSH asks it first to learn the methods) and anything else: say which ones we take.
      return ctx.method === 'none' ? null : undefined;
    }
    try {
      const answer = await this.opts.authority.login({ username: name.username, lab: name.lab, credential, clientAddress: ip });
      if (answer.outcome === 'denied') sendAuthBanner(ctx, answer.message);
      return answer;
    } catch (e) {
      this.opts.log.error({ err: e }, 'ssh login could not be decided');
      sendAuthBanner(ctx, isAppError(e) ? e.message : 'Sign-in is not available right now; try again shortly.');
      return undefined;
    }
  }

  private serveSession(session: Session, claim: () => { login: Accepted } | { refused: string }): void {
    let size: TerminalSize = { cols: 80, rows: 24 };
    let terminal: { resize(size: TerminalSize): void } | null = null;
    session.on('pty', (accept, _reject, info) => {
      size = clampSize(info.cols, info.rows);
      accept?.();
    });
    session.on('window-change', (accept, _reject, info) => {
      size = clampSize(info.cols, info.rows);
      terminal?.resize(size);
      accept?.();
    });
    session.on('env', (_accept, reject) => reject?.());
    session.on('auth-agent', (_accept, reject) => reject?.());
    session.on('x11', (_accept, reject) => reject?.());
    session.on('signal', (accept) => accept?.());
    session.on('subsystem', (accept, reject, info) => {
      if (info.name !== 'sftp') return reject();
      const channel = accept();
      void this.withTicket(channel, claim, async (ticket) => {
        if (!ticket.target) throw new Error('owner ticket without a target');
        await runOnChannel(channel, await commandArgv(ticket.target, SFTP_SERVER_COMMAND, this.opts.localDataDir));
      });
    });

    session.on('shell', (accept) => {
      const channel = accept();
      void this.withTicket(channel, claim, async (ticket) => {
        terminal = await attachShell(channel, size, (sink, sz) => this.opts.attach(ticket, sink, sz));
      });
    });
    session.on('exec', (accept, _reject, info) => {
      const channel = accept();
      void this.withTicket(channel, claim, async (ticket) => {
        if (!ticket.target) throw new Error('owner ticket without a target');
        await runOnChannel(channel, await commandArgv(ticket.target, info.command, this.opts.localDataDir));
      });
    });
  }

  /** Admits the connection's ticket and runs `use` with it; any refusal ends the channel with a line saying why. */
  private async withTicket(channel: ServerChannel, claim: () => { login: Accepted } | { refused: string }, use: (ticket: VerifiedTicket) => Promise<void>): Promise<void> {
    const refuse = (message: string) => {
      channel.stderr.write(`${message.replace(/\r?\n/g, '\r\n')}\r\n`);
      channel.exit(1);
      channel.end();
    };
    const claimed = claim();
    if ('refused' in claimed) return refuse(claimed.refused);
    if (!claimed.login.ticket) return refuse(claimed.login.message ?? 'no lab to open');
    try {
      await use(await this.opts.admit(claimed.login.ticket));
    } catch (e) {
      if (isAppError(e)) return refuse(`autolabs: ${e.message}`);
      this.opts.log.error({ err: e }, 'ssh session failed');
      refuse('autolabs: internal error');
    }
  }
}
