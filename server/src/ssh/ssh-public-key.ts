/**
 * Reading a student's SSH public key, once, at the edge: the line they paste (`ssh-ed25519 AAAA... name`)
 * becomes a typed key with its type, size and SHA256 fingerprint, or an AppError BAD_INPUT on the field.
 * Parsing is `ssh2`'s (the same code the gateway's front door uses to check signatures), so a key we
 * store is a key the front door can use. Only types OpenSSH still recommends are taken: ed25519, ECDSA
 * and RSA of at least 3072 bits (DSA and short RSA keys are refused with the reason).
 */
import { createHash, createPublicKey } from 'node:crypto';
import ssh2 from 'ssh2';
import { AppError } from '@autolabs/common/errors/app-error';

export const ALLOWED_KEY_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'] as const;
export type SshKeyType = (typeof ALLOWED_KEY_TYPES)[number];

export const MIN_RSA_BITS = 3072;
/** Longer than any public key line (an RSA 16384 key is about 2.8 KB). */
export const MAX_PUBLIC_KEY_CHARS = 8192;

export interface SshPublicKey {
  type: SshKeyType;
  bits: number;
  /** `SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** `<type> <base64>`: the key without its comment, as stored. */
  line: string;
  comment: string;
}

const BITS: Record<Exclude<SshKeyType, 'ssh-rsa'>, number> = {
  'ssh-ed25519': 256,
  'ecdsa-sha2-nistp256': 256,
  'ecdsa-sha2-nistp384': 384,
  'ecdsa-sha2-nistp521': 521,
};

/** SHA256 fingerprint of a key's wire blob (the base64 part of its line, decoded). */
export function fingerprintOf(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function parseSshPublicKey(text: string, field = 'publicKey'): SshPublicKey {
  const bad = (message: string): never => {
    throw new AppError('BAD_INPUT', message, { field });
  };
  const trimmed = text.trim();
  if (trimmed.length === 0) bad('paste a public key (the contents of a .pub file)');
  if (trimmed.length > MAX_PUBLIC_KEY_CHARS) bad(`a public key is at most ${MAX_PUBLIC_KEY_CHARS} characters`);
  if (/PRIVATE KEY/.test(trimmed)) bad('this is a private key: paste the public key (the .pub file) and keep the private key secret');
  if (/[\r\n]/.test(trimmed)) bad('paste one key on one line');
  const [typeWord, base64 = '', ...rest] = trimmed.split(/\s+/);
  const parsed = ssh2.utils.parseKey(trimmed);
  if (parsed instanceof Error || Array.isArray(parsed)) return bad('not an OpenSSH public key (expected e.g. "ssh-ed25519 AAAA... you@laptop")');
  if (parsed.isPrivateKey()) return bad('this is a private key: paste the public key (the .pub file) and keep the private key secret');
  const type = parsed.type as string;
  if (!(ALLOWED_KEY_TYPES as readonly string[]).includes(type) || typeWord !== type) {
    return bad(`keys of type ${type} are not accepted; use ed25519 (ssh-keygen -t ed25519), ECDSA or RSA of ${MIN_RSA_BITS} bits or more`);
  }
  const blob = parsed.getPublicSSH();
  if (Buffer.from(base64, 'base64').compare(blob) !== 0) bad('not an OpenSSH public key (the key data is damaged)');
  const bits = type === 'ssh-rsa' ? rsaBits(parsed.getPublicPEM()) : BITS[type as keyof typeof BITS];
  if (bits < MIN_RSA_BITS && type === 'ssh-rsa') bad(`this RSA key has ${bits} bits; RSA keys need ${MIN_RSA_BITS} or more (or use ssh-keygen -t ed25519)`);
  return {
    type: type as SshKeyType,
    bits,
    fingerprint: fingerprintOf(blob),
    line: `${type} ${blob.toString('base64')}`,
    comment: rest.join(' ').slice(0, 200),
  };
}

function rsaBits(pem: string): number {
  return createPublicKey(pem).asymmetricKeyDetails?.modulusLength ?? 0;
}
