/**
 * The platform key of the ssh2 terminal backend: the gateway logs in to a lab's own sshd with its private
 * half, and the runtime gives every lab its public half as the terminal user's only authorized key, so
 * the lab trusts the platform and nobody else through that door. An embedded install generates it once
 * into `<dataDir>/keys/`; production passes the private key to the gateways (LAB_SSH_PRIVATE_KEY) and only
 * the public line to the API and workers, which start labs (LAB_SSH_PUBLIC_KEY).
 */
import { loadSshPrivateKey, loadSshPublicLine, type SshKeyPairSource } from './ssh-key-pair';

const PLATFORM_KEY: SshKeyPairSource = { file: 'lab-ssh-ed25519', comment: 'autolabs-platform', variable: 'LAB_SSH_PRIVATE_KEY' };

/** The gateway's side: the private key (OpenSSH text). Never logged. */
export function loadLabSshPrivateKey(opts: { privateKey?: string; dataDir: string }): Promise<string> {
  return loadSshPrivateKey(PLATFORM_KEY, opts);
}

/** The runtime's side: the public line labs put in their authorized keys. */
export function loadLabSshPublicKey(opts: { publicKey?: string; dataDir: string }): Promise<string> {
  return loadSshPublicLine(PLATFORM_KEY, opts);
}
