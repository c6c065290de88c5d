/**
 * The OpenSSH client tools the SSH tests drive, from Debian's openssh-client. A missing tool fails the
 * test with the package to install; it never skips it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function requireTool(tool: 'ssh' | 'scp' | 'sftp' | 'ssh-keygen'): string {
  for (const dir of ['/usr/bin', '/bin', '/usr/local/bin']) {
    const file = path.join(dir, tool);
    try {
      execFileSync(file, ['-V'], { stdio: 'ignore' });
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return file;
    }
  }
  throw new Error(`${tool} is missing: apt-get install openssh-client`);
}

export interface KeyPair {
  /** Path of the private key file. */
  file: string;
  /** The .pub line. */
  publicLine: string;
  /** `SHA256:...` as ssh-keygen -lf prints it. */
  fingerprint: string;
}

/** A fresh key from ssh-keygen in its own temp dir: `type` ed25519, ecdsa, rsa or dsa; `bits` for rsa. */
export function generateKey(type: 'ed25519' | 'ecdsa' | 'rsa' | 'dsa', bits?: number): KeyPair {
  const keygen = requireTool('ssh-keygen');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'autolabs-sshkey-'));
  const file = path.join(dir, `id_${type}`);
  execFileSync(keygen, ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-C', `test-${type}`, '-f', file], { stdio: 'ignore' });
  const publicLine = readFileSync(`${file}.pub`, 'utf8').trim();
  const fingerprint = execFileSync(keygen, ['-lf', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1];
  return { file, publicLine, fingerprint };
}
