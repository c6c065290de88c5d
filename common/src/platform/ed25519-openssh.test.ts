import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { generateEd25519OpenSsh, type OpenSshKeyPair } from './ed25519-openssh';

const dir = mkdtempSync(path.join(os.tmpdir(), 'autolabs-ed25519-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What OpenSSH itself derives from the private key file (ssh-keygen -y), or its error. */
function opensshPublic(pair: OpenSshKeyPair): string {
  const file = path.join(dir, 'key');
  writeFileSync(file, pair.private, { mode: 0o600 });
  return execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8', stdio: 'pipe' }).trim();
}

/** A seed whose public key starts with a zero byte: the keys ssh2's own generator writes wrongly. */
function seedWithLeadingZero(): Buffer {
  for (let i = 0; ; i++) {
    const seed = createHash('sha256').update(`seed-${i}`).digest();
    const blob = generateEd25519OpenSsh('', seed).public.split(' ')[1];
    if (Buffer.from(blob, 'base64')[19] === 0) return seed;
  }
}

describe('Ed25519 keys as OpenSSH text', () => {
  it('writes keys OpenSSH loads, with the public line it derives, and ssh2 signs with', () => {
    for (let i = 0; i < 100; i++) {
      const pair = generateEd25519OpenSsh(`key-${i}`);
      expect(opensshPublic(pair)).toBe(pair.public);
      const parsed = ssh2.utils.parseKey(pair.private);
      if (parsed instanceof Error || Array.isArray(parsed)) throw parsed;
      expect(`${parsed.type} ${parsed.getPublicSSH().toString('base64')} key-${i}`).toBe(pair.public);
      const data = Buffer.from(`message ${i}`);
      expect(parsed.verify(data, parsed.sign(data))).toBe(true);
    }
  });

  it('keeps a public key that starts with a zero byte whole (32 bytes)', () => {
    const pair = generateEd25519OpenSsh('zero', seedWithLeadingZero());
    const blob = Buffer.from(pair.public.split(' ')[1], 'base64');
    expect(blob.readUInt32BE(15)).toBe(32);
    expect(blob[19]).toBe(0);
    expect(opensshPublic(pair)).toBe(pair.public);
  });
});
