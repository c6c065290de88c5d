/**
 * Browser sessions of built-in accounts. The cookie carries a random token; the database keeps only its
 * sha256, so reading auth_sessions does not let anyone sign in. Expired rows are refused (and removed
 * when met); a disabled account's sessions stop working at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient, User } from '../generated/prisma/client';

export const SESSION_COOKIE = 'autolabs_session';

export function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createAuthSession(
  prisma: PrismaClient,
  userId: string,
  ttlHours: number,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlHours * 3600_000);
  await prisma.authSession.create({ data: { id: sessionIdOf(token), userId, expiresAt } });
  return { token, expiresAt };
}

export async function findSessionUser(prisma: PrismaClient, token: string): Promise<User | null> {
  if (token.length === 0 || token.length > 200) return null;
  const session = await prisma.authSession.findUnique({ where: { id: sessionIdOf(token) }, include: { user: true } });
  if (!session) return null;
  if (session.expiresAt.getTime() <= Date.now()) {
    await prisma.authSession.deleteMany({ where: { id: session.id } });
    return null;
  }
  return session.user.disabled ? null : session.user;
}

export async function deleteAuthSession(prisma: PrismaClient, token: string): Promise<void> {
  await prisma.authSession.deleteMany({ where: { id: sessionIdOf(token) } });
}
