import net from 'node:net';
import pino from 'pino';
import ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '@autolabs/common/errors/app-error';
import { SshFrontDoor, type EdgeDenial } from './ssh-front-door';
import type { SshLoginAuthority } from './ssh-login-client';
import { generateEd25519OpenSsh } from '@autolabs/common/platform/ed25519-openssh';

/** An API that refuses everyone, counting the questions it was asked. */
class RefusingAuthority implements SshLoginAuthority {
  asked = 0;
  async login() {
    this.asked++;
    return { outcome: 'denied' as const, code: 'UNAUTHENTICATED' as const, message: 'Permission denied: no.' };
  }
}

let door: SshFrontDoor | null = null;
afterEach(async () => {
  await door?.close();
  door = null;
});

/** An API that lets everyone in, with no lab to open. */
class AcceptingAuthority implements SshLoginAuthority {
  async login() {
    return { outcome: 'accepted' as const, userId: 'u1', ticket: null, lab: null, message: 'no lab', choices: [] };
  }
}

async function openDoor(
  authority: SshLoginAuthority,
  opts: { authTimeoutMs?: number; maxPendingPerClient?: number; keepaliveIntervalMs?: number; audit?: (e: EdgeDenial) => void } = {},
): Promise<SshFrontDoor> {
  door = await SshFrontDoor.listen({
    host: '127.0.0.1',
    port: 0,
    hostKey: generateEd25519OpenSsh().private,
    authority,
    admit: () => Promise.reject(new AppError('TICKET_INVALID', 'not in this test')),
    attach: () => Promise.reject(new AppError('FORBIDDEN', 'not in this test')),
    log: pino({ level: 'silent' }),
    ...opts,
  });
  return door;
}

/** A TCP client that says nothing after connecting; resolves `closed` when the server hangs up. */
function silentClient(port: number): { socket: net.Socket; closed: Promise<number> } {
  const started = Date.now();
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  // Read (and ignore) what the server sends, or the socket never sees the server's end.
  socket.resume();
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
  return { socket, closed };
}

describe('SshFrontDoor', () => {
  it('closes a client that never authenticates once its time is up, and audits it', async () => {
    const audited: EdgeDenial[] = [];
    const d = await openDoor(new RefusingAuthority(), { authTimeoutMs: 300, audit: (e) => audited.push(e) });
    const { closed } = silentClient(d.port);
    expect(await closed).toBeGreaterThanOrEqual(290);
    expect(audited).toEqual([{ actorId: null, action: 'ssh.login', targetType: 'user', outcome: 'denied', detail: { reason: 'did not authenticate in time', address: '127.0.0.1' } }]);
  });

  it('refuses connections from one address beyond the limit of those still authenticating, and keeps the others', async () => {
    const d = await openDoor(new RefusingAuthority(), { authTimeoutMs: 60_000, maxPendingPerClient: 3 });
    const first = [silentClient(d.port), silentClient(d.port), silentClient(d.port)];
    // The server greets each admitted client with its identification line: all three are in.
    await Promise.all(first.map(({ socket }) => new Promise((resolve) => socket.once('data', resolve))));
    const extra = silentClient(d.port);
    expect(await extra.closed).toBeLessThan(5_000);
    expect(first.every(({ socket }) => !socket.destroyed)).toBe(true);
    for (const { socket } of first) socket.destroy();
  });

  it('asks the API about a password, refuses with its message and never accepts', async () => {
    const authority = new RefusingAuthority();
    const d = await openDoor(authority);
    const client = new ssh2.Client();
    const banners: string[] = [];
    client.on('banner', (m) => banners.push(m));
    const outcome = await new Promise<string>((resolve) => {
      client.on('ready', () => resolve('ready'));
      client.on('error', (e) => resolve(e.message));
      client.connect({ host: '127.0.0.1', port: d.port, username: 'ada', password: 'wrong password', tryKeyboard: false });
    });
    client.end();
    expect(outcome).toMatch(/All configured authentication methods failed/);
    expect(authority.asked).toBe(1);
    expect(banners.join('')).toContain('Permission denied: no.');
  });

  it('ends a signed-in connection whose client stops answering keepalives', async () => {
    const d = await openDoor(new AcceptingAuthority(), { keepaliveIntervalMs: 100 });
    // A relay between client and door that can go silent, like a network that drops everything.
    let frozen = false;
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const relay = net.createServer((downstream) => {
      const upstream = net.connect(d.port, '127.0.0.1');
      upstream.on('close', upstreamClosed);
      upstream.on('error', () => undefined);
      downstream.on('error', () => undefined);
      downstream.on('data', (b) => !frozen && upstream.write(b));
      upstream.on('data', (b) => !frozen && downstream.write(b));
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const client = new ssh2.Client();
    client.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      client.on('ready', resolve);
      client.connect({ host: '127.0.0.1', port: (relay.address() as net.AddressInfo).port, username: 'ada', password: 'right password', tryKeyboard: false });
    });
    frozen = true;
    await closed;
    client.end();
    relay.close();
  });
});
