/**
 * Ed25519 key pairs as OpenSSH text, made with node:crypto. ssh2's generateKeyPairSync('ed25519') drops a
 * public key's leading zero byte (31 bytes instead of 32) about once in 256 keys, and OpenSSH then refuses
 * the key ("error in libcrypto"): a platform key or host key generated so would break SSH for good, since
 * it is kept in the data directory. The format is PROTOCOL.key of OpenSSH: an unencrypted
 * "openssh-key-v1" container holding one key.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

const KEY_TYPE = 'ssh-ed25519';

export interface OpenSshKeyPair {
  /** The private key as OpenSSH writes it (-----BEGIN OPENSSH PRIVATE KEY-----). */
  private: string;
  /** The public line: `ssh-ed25519 <base64> <comment>`. */
  public: string;
}

/** A new Ed25519 key pair; `seed` (32 bytes) makes a given key, for tests. */
export function generateEd25519OpenSsh(comment = '', seed?: Buffer): OpenSshKeyPair {
  const key = seed ? keyFromSeed(seed) : generateKeyPairSync('ed25519').privateKey;
  const jwk = key.export({ format: 'jwk' });
  const secret = Buffer.from(jwk.d ?? '', 'base64url');
  const pub = Buffer.from(jwk.x ?? '', 'base64url');
  const publicBlob = Buffer.concat([sshString(KEY_TYPE), sshString(pub)]);
  const check = randomBytes(4);
  const section = [check, check, sshString(KEY_TYPE), sshString(pub), sshString(Buffer.concat([secret, pub])), sshString(comment)];
  const unpadded = Buffer.concat(section);
  // Padded with 1, 2, 3, ... to the cipher's block size, 8 for "none".
  const padding = Buffer.from(Array.from({ length: (8 - (unpadded.length % 8)) % 8 }, (_, i) => i + 1));
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(publicBlob),
    sshString(Buffer.concat([unpadded, padding])),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    private: ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join('\n'),
    public: `${KEY_TYPE} ${publicBlob.toString('base64')}${comment ? ` ${comment}` : ''}`,
  };
}

function keyFromSeed(seed: Buffer): KeyObject {
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  const x = createPublicKey(createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: '' }, format: 'jwk' })).export({ format: 'jwk' }).x;
  return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x }, format: 'jwk' });
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function sshString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([uint32(bytes.length), bytes]);
}
