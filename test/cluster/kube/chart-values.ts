/** Values for installing charts/autolabs in tests: the dev values plus a fresh Ed25519 ticket key pair. */
import { generateKeyPairSync } from 'node:crypto';
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
  return {
    args: [
      '-f',
      `${chart}/values-dev.yaml`,
      '--set-file',
      `secrets.ticketPrivateKey=${path.join(dir, 'ticket.key')}`,
      '--set-file',
      `secrets.ticketPublicKey=${path.join(dir, 'ticket.pub')}`,
    ],
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
