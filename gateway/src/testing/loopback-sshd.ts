/**
 * Debian's OpenSSH server (openssh-server) on a loopback port for tests: a fresh Ed25519 host key, a
 * temporary key-only configuration and the authorized keys a test gives it. It logs in the user running
 * the test. A missing sshd fails the test with the package to install; it never skips it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@autolabs/common/testing/free-port';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { generateEd25519OpenSsh } from '@autolabs/common/platform/ed25519-openssh';

const SSHD = '/usr/sbin/sshd';

export interface LoopbackSshd {
  port: number;
  /** The host key's public line (`ssh-ed25519 AAAA...`), what a lab publishes at start. */
  hostKey: string;
  /** Who may log in: the user running the test. */
  username: string;
  /** What sshd printed (-e: its log goes to stderr). */
  log(): string;
  stop(): Promise<void>;
}

/** An unencrypted Ed25519 key pair as OpenSSH text: `private` for a client, `public` for authorized_keys. */
export function ed25519Pair(comment: string): { private: string; public: string } {
  return generateEd25519OpenSsh(comment);
}

export async function startLoopbackSshd(authorizedKeys: string[]): Promise<LoopbackSshd> {
  try {
    accessSync(SSHD, constants.X_OK);
  } catch {
    throw new Error(`${SSHD} is missing: apt-get install openssh-server`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'autolabs-sshd-'));
  // sshd's privilege separation directory, which Debian's service unit would make.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const host = ed25519Pair('loopback-sshd');
  writeFileSync(path.join(dir, 'host'), host.private, { mode: 0o600 });
  writeFileSync(path.join(dir, 'authorized_keys'), authorizedKeys.map((k) => `${k}\n`).join(''), { mode: 0o600 });
  const port = await freePort();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${path.join(dir, 'host')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'StrictModes no',
    'UsePAM no',
    `PidFile ${path.join(dir, 'pid')}`,
  ];
  writeFileSync(path.join(dir, 'sshd_config'), `${config.join('\n')}\n`);
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor('sshd to greet on its port', async () => {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${log}`);
    return greets(port);
  });
  return {
    port,
    hostKey: host.public.split(' ').slice(0, 2).join(' '),
    username: os.userInfo().username,
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True once something on the port sends an SSH identification line. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString('latin1').startsWith('SSH-2.0-'));
    });
    socket.once('error', () => resolve(false));
  });
}
