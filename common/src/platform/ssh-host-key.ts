/**
 * The host key of the gateway's SSH front door, and the line students pin it with. An embedded install
 * generates an Ed25519 key once into `<dataDir>/keys/` (key-file.ts) and keeps it, so `known_hosts` stays
 * valid across restarts; the API half of the process reads the same file to show its public line.
 * Production passes the private key to the gateways (GATEWAY_SSH_HOST_KEY, OpenSSH format) and only its
 * public line to the API (GATEWAY_SSH_HOST_PUBLIC_KEY), which shows it in the web app.
 */
import { loadSshPrivateKey, loadSshPublicLine, type SshKeyPairSource } from './ssh-key-pair';

const HOST_KEY: SshKeyPairSource = { file: 'ssh-host-ed25519', comment: 'autolabs-gateway', variable: 'GATEWAY_SSH_HOST_KEY' };

/** The gateway's side: the private key (OpenSSH text), from the environment or the data directory. */
export function loadSshHostKey(opts: { privateKey?: string; dataDir: string }): Promise<string> {
  return loadSshPrivateKey(HOST_KEY, opts);
}

/** The API's side: the public line (`ssh-ed25519 AAAA...`), from the environment or the data directory. */
export function loadSshHostPublicKey(opts: { publicKey?: string; dataDir: string }): Promise<string> {
  return loadSshPublicLine(HOST_KEY, opts);
}
