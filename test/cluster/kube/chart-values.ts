/**
 * Values for installing charts/autolabs in tests: the dev values plus fresh secrets: an Ed25519 ticket key
 * pair, the SSH front door's host key (ssh-keygen) and the gateways' internal API secret.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const chart = 'charts/autolabs';

/** Writes the key pair to a private temp dir; returns helm arguments and a cleanup. */
export function devValuesWithTicketKeys(): { args: string[]; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'autolabs-helm-'));
  const pair = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  writeFileSync(path.join(dir, 'ticket.key'), pair.privateKey, { mode: 0o600 });
  writeFileSync(path.join(dir, 'ticket.pub'), pair.publicKey);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'autolabs-gateway', '-f', path.join(dir, 'ssh_host')], { stdio: 'ignore' });
  return {
    args: [
      '-f',
      `${chart}/values-dev.yaml`,
      '--set-file',
      `secrets.ticketPrivateKey=${path.join(dir, 'ticket.key')}`,
      '--set-file',
      `secrets.ticketPublicKey=${path.join(dir, 'ticket.pub')}`,
      '--set-file',
      `secrets.sshHostKey=${path.join(dir, 'ssh_host')}`,
      '--set-file',
      `secrets.sshHostPublicKey=${path.join(dir, 'ssh_host.pub')}`,
      '--set',
      `secrets.internalApiSecret=${randomBytes(24).toString('hex')}`,
    ],
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
