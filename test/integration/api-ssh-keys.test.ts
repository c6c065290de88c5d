/**
 * SSH public keys on a user's profile, through the real router and Postgres: keys from ssh-keygen are
 * taken with the fingerprint ssh-keygen prints, bad ones refused with a stable code and the field, a key
 * names one account only, nobody removes another user's key, and every change is in the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, outcomeOf, type Harness } from './api-harness';
import { generateKey } from '../ssh/ssh-tools';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('sshKeys', () => {
  it('adds ed25519, ECDSA and RSA-3072 keys with their ssh-keygen fingerprints and lists only the caller\'s own', async () => {
    const student = h.callerFor('student');
    const keys = [generateKey('ed25519'), generateKey('ecdsa'), generateKey('rsa', 3072)];
    for (const [i, k] of keys.entries()) {
      const added = await student.sshKeys.add({ name: i === 0 ? 'laptop' : '', publicKey: k.publicLine });
      expect(added.fingerprint).toBe(k.fingerprint);
    }
    await h.callerFor('otherStudent').sshKeys.add({ name: 'theirs', publicKey: generateKey('ed25519').publicLine });
    const mine = await student.sshKeys.mine();
    expect(mine.map((k) => [k.name, k.keyType, k.fingerprint])).toEqual([
      ['laptop', 'ssh-ed25519', keys[0].fingerprint],
      ['test-ecdsa', 'ecdsa-sha2-nistp256', keys[1].fingerprint],
      ['test-rsa', 'ssh-rsa', keys[2].fingerprint],
    ]);
  });

  it('refuses bad keys with BAD_INPUT on publicKey, and duplicates (own or another account\'s) with CONFLICT', async () => {
    const student = h.callerFor('student');
    for (const publicKey of [generateKey('rsa', 2048).publicLine, generateKey('dsa').publicLine, 'not a key', '']) {
      expect(await outcomeOf(student.sshKeys.add({ name: 'bad', publicKey }))).toEqual({ code: 'BAD_REQUEST', appCode: 'BAD_INPUT', field: 'publicKey' });
    }
    const key = generateKey('ed25519');
    await student.sshKeys.add({ name: 'once', publicKey: key.publicLine });
    expect(await outcomeOf(student.sshKeys.add({ name: 'twice', publicKey: key.publicLine }))).toEqual({ code: 'CONFLICT', appCode: 'CONFLICT', field: 'publicKey' });
    expect(await outcomeOf(h.callerFor('otherStudent').sshKeys.add({ name: 'stolen', publicKey: key.publicLine }))).toEqual({
      code: 'CONFLICT',
      appCode: 'CONFLICT',
      field: 'publicKey',
    });
  });

  it('removes the caller\'s own key; another user\'s key id is NOT_FOUND and the key stays', async () => {
    const key = await h.callerFor('student').sshKeys.add({ name: 'to remove', publicKey: generateKey('ed25519').publicLine });
    expect(await outcomeOf(h.callerFor('otherStudent').sshKeys.remove({ id: key.id }))).toEqual({ code: 'NOT_FOUND', appCode: 'NOT_FOUND', field: 'id' });
    expect((await h.callerFor('student').sshKeys.mine()).some((k) => k.id === key.id)).toBe(true);
    await h.callerFor('student').sshKeys.remove({ id: key.id });
    expect((await h.callerFor('student').sshKeys.mine()).some((k) => k.id === key.id)).toBe(false);
  });

  it('audits every add and remove, refusals included, without the key text', async () => {
    const prisma = h.services.db.prisma;
    const before = await prisma.auditLog.count({ where: { action: { startsWith: 'sshKeys.' } } });
    const key = await h.callerFor('student').sshKeys.add({ name: 'audited', publicKey: generateKey('ed25519').publicLine });
    await outcomeOf(h.callerFor('student').sshKeys.add({ name: 'bad', publicKey: generateKey('rsa', 2048).publicLine }));
    await h.callerFor('student').sshKeys.remove({ id: key.id });
    const entries = await prisma.auditLog.findMany({ where: { action: { startsWith: 'sshKeys.' } }, orderBy: { id: 'asc' }, skip: before });
    expect(entries.map((e) => [e.action, e.outcome, e.actorId])).toEqual([
      ['sshKeys.add', 'success', h.users.student.id],
      ['sshKeys.add', 'error', h.users.student.id],
      ['sshKeys.remove', 'success', h.users.student.id],
    ]);
    expect(entries[0].targetId).toBe(key.id);
    expect(entries[1].detail).toMatchObject({ code: 'BAD_INPUT', field: 'publicKey' });
  });

  it('tells where the front door listens and which host key to pin', async () => {
    const access = await h.callerFor('student').sshKeys.access();
    expect(access).toEqual({ port: 2222, hostKey: expect.stringMatching(/^ssh-ed25519 AAAA[A-Za-z0-9+/=]+$/), username: 'student' });
    expect(await h.callerFor('student').sshKeys.access()).toEqual(access);
  });
});
