import { describe, expect, it } from 'vitest';
import { generateKey } from '../../../test/ssh/ssh-tools';
import type { AppError } from '@autolabs/common/errors/app-error';
import { parseSshPublicKey } from './ssh-public-key';

function refusal(text: string): { code: string; field?: string; message: string } {
  try {
    parseSshPublicKey(text);
  } catch (e) {
    const err = e as AppError;
    return { code: err.code, field: err.field, message: err.message };
  }
  throw new Error('expected a refusal');
}

describe('parseSshPublicKey', () => {
  it.each([
    ['ed25519', undefined, 'ssh-ed25519', 256],
    ['ecdsa', 384, 'ecdsa-sha2-nistp384', 384],
    ['rsa', 3072, 'ssh-rsa', 3072],
  ] as const)('takes an ssh-keygen %s key with the fingerprint ssh-keygen -lf prints', (type, bits, keyType, keyBits) => {
    const key = generateKey(type, bits);
    const parsed = parseSshPublicKey(`  ${key.publicLine}\n`);
    expect(parsed).toMatchObject({ type: keyType, bits: keyBits, fingerprint: key.fingerprint, comment: `test-${type}` });
    expect(parsed.line).toBe(key.publicLine.split(' ').slice(0, 2).join(' '));
  });

  it('refuses RSA under 3072 bits and DSA keys, naming the field and what to use instead', () => {
    expect(refusal(generateKey('rsa', 2048).publicLine)).toEqual({ code: 'BAD_INPUT', field: 'publicKey', message: expect.stringMatching(/2048 bits; RSA keys need 3072/) });
    expect(refusal(generateKey('dsa').publicLine)).toEqual({ code: 'BAD_INPUT', field: 'publicKey', message: expect.stringMatching(/ssh-dss are not accepted; use ed25519/) });
  });

  it('refuses a private key, empty input, garbage, a damaged key and two keys at once', () => {
    const key = generateKey('ed25519');
    const [type, data] = key.publicLine.split(' ');
    expect(refusal(`-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----`).message).toMatch(/private key/);
    expect(refusal('   ').message).toMatch(/paste a public key/);
    expect(refusal('hello world').message).toMatch(/not an OpenSSH public key/);
    expect(refusal(`${type} ${data.slice(0, 24)}`).code).toBe('BAD_INPUT');
    expect(refusal(`${key.publicLine}\n${key.publicLine}`).message).toMatch(/one key on one line/);
    expect(refusal(`ssh-ed25519 ${'A'.repeat(9000)}`).message).toMatch(/at most 8192/);
  });

  it('refuses a key whose type word does not match its data', () => {
    const [, data] = generateKey('ed25519').publicLine.split(' ');
    expect(refusal(`ssh-rsa ${data}`).code).toBe('BAD_INPUT');
  });
});
