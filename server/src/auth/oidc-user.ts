/**
 * OIDC users get a row the first time they call us, keyed by `oidcSubject`. The token is the authority
 * on role, e-mail and name, so those follow the token on every call; the username is chosen once.
 */
import type { PrismaClient, User } from '../generated/prisma/client';
import type { OidcIdentity } from './oidc-verifier';

export async function upsertOidcUser(prisma: PrismaClient, id: OidcIdentity): Promise<User> {
  const existing = await prisma.user.findUnique({ where: { oidcSubject: id.subject } });
  const displayName = id.name ?? id.preferredUsername ?? id.email ?? id.subject;
  if (existing) {
    if (existing.role === id.role && existing.email === id.email && existing.displayName === displayName) return existing;
    return prisma.user.update({ where: { id: existing.id }, data: { role: id.role, email: id.email, displayName } });
  }
  const base = (id.preferredUsername ?? id.email ?? `oidc-${id.subject}`).slice(0, 64);
  const taken = await prisma.user.findUnique({ where: { username: base } });
  const username = taken ? `${base}-${id.subject.slice(0, 12)}` : base;
  return prisma.user.upsert({
    where: { oidcSubject: id.subject },
    create: { username, oidcSubject: id.subject, role: id.role, email: id.email, displayName },
    update: {},
  });
}
