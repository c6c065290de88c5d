/**
 * A user's SSH public keys (their profile) and how to reach the gateway's SSH front door. Everyone but
 * read-only viewers manages their own keys only: another user's key id answers NOT_FOUND, as a missing
 * one does. Adding and removing are mutations, so the audit middleware records them (denials included).
 */
import { z } from 'zod';
import { Prisma } from '../../generated/prisma/client';
import { loadSshHostPublicKey } from '@autolabs/common/platform/ssh-host-key';
import { MAX_PUBLIC_KEY_CHARS, parseSshPublicKey } from '../../ssh/ssh-public-key';
import { fail } from '../errors';
import { roleProcedure, router } from '../init';
import { iso } from '../views';

/** Enough for every laptop and token a student owns; bounds what one account makes the front door compare. */
export const MAX_KEYS_PER_USER = 20;

const keyOwners = roleProcedure('admin', 'teacher', 'student');

function keyView(k: { id: string; name: string; keyType: string; publicKey: string; fingerprint: string; createdAt: Date; lastUsedAt: Date | null }) {
  return { id: k.id, name: k.name, keyType: k.keyType, publicKey: k.publicKey, fingerprint: k.fingerprint, createdAt: iso(k.createdAt), lastUsedAt: iso(k.lastUsedAt) };
}

export const sshKeysRouter = router({
  mine: keyOwners.query(async ({ ctx }) => {
    const keys = await ctx.services.db.prisma.sshPublicKey.findMany({ where: { userId: ctx.caller.id }, orderBy: { createdAt: 'asc' } });
    return keys.map(keyView);
  }),

  add: keyOwners
    .input(z.object({ name: z.string().trim().max(100), publicKey: z.string().max(MAX_PUBLIC_KEY_CHARS * 2) }))
    .mutation(async ({ ctx, input }) => {
      const key = parseSshPublicKey(input.publicKey, 'publicKey');
      const prisma = ctx.services.db.prisma;
      const mine = await prisma.sshPublicKey.findMany({ where: { userId: ctx.caller.id }, select: { fingerprint: true } });
      if (mine.some((k) => k.fingerprint === key.fingerprint)) fail('CONFLICT', `this key (${key.fingerprint}) is already on your profile`, { field: 'publicKey' });
      if (mine.length >= MAX_KEYS_PER_USER) fail('CONFLICT', `at most ${MAX_KEYS_PER_USER} keys per account; remove one first`, { field: 'publicKey' });
      try {
        const row = await prisma.sshPublicKey.create({
          data: { userId: ctx.caller.id, name: input.name || key.comment || key.type, keyType: key.type, publicKey: key.line, fingerprint: key.fingerprint },
        });
        return keyView(row);
      } catch (e) {
        // A key signs in one account: the front door finds the user by it.
        if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
          fail('CONFLICT', `this key (${key.fingerprint}) belongs to another account; generate a key of your own`, { field: 'publicKey' });
        }
        throw e;
      }
    }),

  remove: keyOwners.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const { count } = await ctx.services.db.prisma.sshPublicKey.deleteMany({ where: { id: input.id, userId: ctx.caller.id } });
    if (count === 0) fail('NOT_FOUND', 'no such key on your profile', { field: 'id' });
    return { id: input.id };
  }),

  /** Where the front door listens and the host key to pin; `port: null` when it is turned off. */
  access: keyOwners.query(async ({ ctx }) => {
    const { env } = ctx.services;
    if (env.GATEWAY_SSH_PORT === 0) return { port: null, hostKey: null, username: ctx.caller.username };
    const hostKey = await loadSshHostPublicKey({ publicKey: env.GATEWAY_SSH_HOST_PUBLIC_KEY, dataDir: env.AUTOLABS_DATA_DIR });
    return { port: env.GATEWAY_SSH_PORT, hostKey, username: ctx.caller.username };
  }),
});
