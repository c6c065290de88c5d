/**
 * The host key of the gateway's SSH front door, and the line students pin it with. An embedded install
 * generates an Ed25519 key once into `<dataDir>/keys/` (key-file.ts) and keeps it, so `known_hosts` stays
 * valid across restarts; the API half of the process reads the same file to show its public line.
 * Production passes the private key to the gateways (GATEWAY_SSH_HOST_KEY, OpenSSH format) and only its
 * public line to the API (GATEWAY_SSH_HOST_PUBLIC_KEY), which shows it in the web app.
 */
import ssh2 from 'ssh2';
import { AppError } from '../errors/app-error';
import { readOrCreateKeyFile } from './key-file';

const FILE = 'ssh-host-ed25519';

/** The gateway's side: the private key (OpenSSH text), from the environment or the data directory. */
export async function loadSshHostKey(opts: { privateKey?: string; dataDir: string }): Promise<string> {
  if (!opts.privateKey) return readOrCreateKeyFile(opts.dataDir, FILE, () => ssh2.utils.generateKeyPairSync('ed25519', { comment: 'autolabs-gateway' }).private);
  const text = opts.privateKey.includes('\\n') ? opts.privateKey.replace(/\\n/g, '\n') : opts.privateKey;
  const parsed = ssh2.utils.parseKey(text);
  if (parsed instanceof Error || Array.isArray(parsed) || !parsed.isPrivateKey()) {
    throw new AppError('BAD_INPUT', 'GATEWAY_SSH_HOST_KEY: expected an unencrypted OpenSSH private key (ssh-keygen -t ed25519 -N "")', { field: 'GATEWAY_SSH_HOST_KEY' });
  }
  return text;
}

/** The API's side: the public line (`ssh-ed25519 AAAA...`), from the environment or the data directory. */
export async function loadSshHostPublicKey(opts: { publicKey?: string; dataDir: string }): Promise<string> {
  if (opts.publicKey) return opts.publicKey.trim().split(/\s+/).slice(0, 2).join(' ');
  const parsed = ssh2.utils.parseKey(await loadSshHostKey({ dataDir: opts.dataDir }));
  if (parsed instanceof Error || Array.isArray(parsed)) throw new AppError('INTERNAL', 'the SSH host key in the data directory is damaged', { cause: parsed });
  return `${parsed.type} ${parsed.getPublicSSH().toString('base64')}`;
}
