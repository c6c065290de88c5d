/**
 * One-time SSH passwords for students who have no key yet: revealed on the lab's page for one of their
 * running instances, good for one SSH connection into that instance only, for INSTANCE_PASSWORD_TTL_MS.
 *
 * - Only a scrypt hash is stored (auth/password.ts; constant-time compare), bound to user and instance;
 *   revealing again replaces the row, so at most one password per user and instance is ever live.
 * - The password is 100 random bits, shown once; nobody, the API included, can show it again.
 * - Spending is one conditional UPDATE (unused, unexpired, and still the hash that matched), so two
 *   connections racing with the same password get one login between them, and a password replaced
 *   between the check and the spend opens nothing.
 */
import { randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from '../auth/password';
import type { PrismaClient } from '../generated/prisma/client';

export const INSTANCE_PASSWORD_TTL_MS = 30 * 60_000;
/** Bounds the scrypt work of one login attempt; a student has at most this many live labs in practice. */
const MAX_CANDIDATES = 10;

/** 32 symbols without look-alikes (no l, o, 0, 1): 5 bits per character, 20 characters = 100 bits. */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** `xxxxx-xxxxx-xxxxx-xxxxx`: easy to read out, copy and paste. */
export function generateInstancePassword(): string {
  const bytes = randomBytes(20);
  const chars = [...bytes].map((b) => ALPHABET[b & 31]);
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-');
}

export interface RevealedPassword {
  password: string;
  expiresAt: Date;
}

/** A new password for `userId` in `instanceId`, replacing theirs there (used or not). The caller checked the instance. */
export async function revealInstancePassword(prisma: PrismaClient, userId: string, instanceId: string, now: Date): Promise<RevealedPassword> {
  const password = generateInstancePassword();
  const passwordHash = await hashPassword(password);
  const expiresAt = new Date(now.getTime() + INSTANCE_PASSWORD_TTL_MS);
  const data = { passwordHash, createdAt: now, expiresAt, usedAt: null };
  await prisma.sshInstancePassword.upsert({
    where: { userId_instanceId: { userId, instanceId } },
    create: { userId, instanceId, ...data },
    update: data,
  });
  // Spent or expired passwords of this user elsewhere open nothing; keep the table small.
  await prisma.sshInstancePassword.deleteMany({ where: { userId, OR: [{ usedAt: { not: null } }, { expiresAt: { lte: now } }], NOT: { instanceId } } });
  return { password, expiresAt };
}

export interface MatchedPassword {
  id: string;
  instanceId: string;
  passwordHash: string;
}

/** The user's live (unused, unexpired) password that `password` is, if any. */
export async function matchInstancePassword(prisma: PrismaClient, userId: string | undefined, password: string, now: Date): Promise<MatchedPassword | null> {
  if (!userId) return null;
  const live = await prisma.sshInstancePassword.findMany({
    where: { userId, usedAt: null, expiresAt: { gt: now } },
    select: { id: true, instanceId: true, passwordHash: true },
    orderBy: { createdAt: 'desc' },
    take: MAX_CANDIDATES,
  });
  let found: MatchedPassword | null = null;
  // Every candidate is checked, so the time taken does not say which one matched.
  for (const row of live) if ((await verifyPassword(password, row.passwordHash)) && !found) found = row;
  return found;
}

/** Spends a matched password; false when it was spent, replaced or expired in the meantime. */
export async function spendInstancePassword(prisma: PrismaClient, matched: MatchedPassword, now: Date): Promise<boolean> {
  const { count } = await prisma.sshInstancePassword.updateMany({
    where: { id: matched.id, passwordHash: matched.passwordHash, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  return count === 1;
}
