/**
 * What an administrator does to an account besides its role (admin.disableUser / enableUser /
 * resetPassword). Disabling has to reach every door at once: the API refuses a disabled user's cookie,
 * bearer token, built-in and OIDC sign-in and SSH login by itself (they read `users.disabled`), but three
 * things live outside the database and are ended here: the browser sessions (deleted, so the cookie is a
 * 401 even if the account is enabled again), the live terminals (killed on the session-control channel,
 * as an admin's End does) and terminal tickets minted before the disable (a mark the gateways read,
 * tickets/revoked-users.ts).
 */
import { randomInt } from 'node:crypto';
import { AppError } from '@autolabs/common/errors/app-error';
import type { PrismaClient, User } from '../generated/prisma/client';
import { SESSION_CONTROL_CHANNEL, type SessionStore } from '@autolabs/common/session-store/session-store';
import { restoreUserTickets, revokeUserTickets } from '@autolabs/common/tickets/revoked-users';
import { hashPassword } from './password';

export interface AccountServices {
  prisma: PrismaClient;
  sessionStore: SessionStore;
}

async function existingUser(prisma: PrismaClient, userId: string): Promise<User> {
  const user = await prisma.user.findUnique({ where: { id: userId } });
  if (!user) throw new AppError('NOT_FOUND', 'no such user', { field: 'userId' });
  return user;
}

/**
 * Disables `userId` (admin `by`, who may not disable themselves): signed out everywhere, terminals ended,
 * tickets refused. Returns the user and how many live terminals were told to end. Disabling a disabled
 * account does it all again (a terminal opened in between is ended too).
 */
export async function disableAccount(services: AccountServices, userId: string, by: string): Promise<{ user: User; endedSessions: number }> {
  if (userId === by) throw new AppError('CONFLICT', 'you cannot disable your own account; ask another admin', { field: 'userId' });
  const { prisma, sessionStore } = services;
  await existingUser(prisma, userId);
  const [user] = await prisma.$transaction([
    prisma.user.update({ where: { id: userId }, data: { disabled: true } }),
    prisma.authSession.deleteMany({ where: { userId } }),
  ]);
  // The mark first: a terminal reconnecting after the kill below is then already refused.
  await revokeUserTickets(sessionStore, userId);
  const live = (await sessionStore.list({ ownerId: userId })).filter((r) => r.state !== 'ended');
  for (const record of live) await sessionStore.publish(SESSION_CONTROL_CHANNEL, { type: 'kill', sessionId: record.id, by });
  return { user, endedSessions: live.length };
}

/** Lets `userId` sign in again; their old browser sessions stay deleted. */
export async function enableAccount(services: AccountServices, userId: string): Promise<User> {
  await existingUser(services.prisma, userId);
  const user = await services.prisma.user.update({ where: { id: userId }, data: { disabled: false } });
  await restoreUserTickets(services.sessionStore, userId);
  return user;
}

/** Letters and digits that cannot be mistaken for one another when read out or copied by hand. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const GROUPS = 4;
const GROUP_LENGTH = 5;

/** A password of 20 random characters from 31 (99 bits), in groups of five: `k7mwp-…`. */
export function generatePassword(): string {
  const groups = Array.from({ length: GROUPS }, () => Array.from({ length: GROUP_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join(''));
  return groups.join('-');
}

/**
 * Gives a built-in account a generated password, returned once and stored only as its scrypt hash; the
 * account must choose its own at its next sign-in, and its current browser sessions end. OIDC accounts
 * have no password here (CONFLICT), nor does anyone while built-in sign-in is off.
 */
export async function resetAccountPassword(
  services: AccountServices & { builtinSignIn: boolean },
  userId: string,
): Promise<{ user: User; password: string }> {
  const { prisma } = services;
  const existing = await existingUser(prisma, userId);
  if (!services.builtinSignIn) throw new AppError('CONFLICT', 'built-in passwords are turned off here (AUTH_BUILTIN=off)', { field: 'userId' });
  if (existing.oidcSubject !== null || existing.passwordHash === null) {
    throw new AppError('CONFLICT', 'this account signs in through the organisation\'s provider and has no password here', { field: 'userId' });
  }
  const password = generatePassword();
  const [user] = await prisma.$transaction([
    prisma.user.update({ where: { id: userId }, data: { passwordHash: await hashPassword(password), mustChangePassword: true } }),
    prisma.authSession.deleteMany({ where: { userId } }),
  ]);
  return { user, password };
}
