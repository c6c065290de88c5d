/**
 * An SSH key pair the platform owns: the private half from an environment variable (OpenSSH text; `\n`
 * escapes allowed) or, unset, generated once as Ed25519 into `<dataDir>/keys/<file>` (key-file.ts); the
 * public half as a `type base64` line, from its own variable or derived from that file. Two pairs use it:
 * the front door's host key (ssh-host-key.ts) and the platform key labs trust (lab-ssh-key.ts).
 */
import ssh2 from 'ssh2';
import { AppError } from '../errors/app-error';
import { generateEd25519OpenSsh } from './ed25519-openssh';
import { readOrCreateKeyFile } from './key-file';

export interface SshKeyPairSource {
  /** File name under `<dataDir>/keys/`. */
  file: string;
  /** Comment of a generated key. */
  comment: string;
  /** The variable the private key comes from, named in errors. */
  variable: string;
}

/** The private key (OpenSSH text), from the environment or the data directory. */
export async function loadSshPrivateKey(source: SshKeyPairSource, opts: { privateKey?: string; dataDir: string }): Promise<string> {
  if (!opts.privateKey) return readOrCreateKeyFile(opts.dataDir, source.file, () => generateEd25519OpenSsh(source.comment).private);
  const text = opts.privateKey.includes('\\n') ? opts.privateKey.replace(/\\n/g, '\n') : opts.privateKey;
  const parsed = ssh2.utils.parseKey(text);
  if (parsed instanceof Error || Array.isArray(parsed) || !parsed.isPrivateKey()) {
    throw new AppError('BAD_INPUT', `${source.variable}: expected an unencrypted OpenSSH private key (ssh-keygen -t ed25519 -N "")`, { field: source.variable });
  }
  return text;
}

/** The public line (`ssh-ed25519 AAAA...`), from the environment or the data directory. */
export async function loadSshPublicLine(source: SshKeyPairSource, opts: { publicKey?: string; dataDir: string }): Promise<string> {
  if (opts.publicKey) return opts.publicKey.trim().split(/\s+/).slice(0, 2).join(' ');
  const parsed = ssh2.utils.parseKey(await loadSshPrivateKey(source, { dataDir: opts.dataDir }));
  if (parsed instanceof Error || Array.isArray(parsed)) throw new AppError('INTERNAL', `the key ${source.file} in the data directory is damaged`, { cause: parsed });
  return `${parsed.type} ${parsed.getPublicSSH().toString('base64')}`;
}
