/** Who is calling: resolved once per request from the session cookie or the OIDC bearer token. */
import type { Role, User } from '../generated/prisma/client';

export type { Role };

export const ROLES = ['admin', 'teacher', 'student', 'viewer'] as const satisfies readonly Role[];

export interface Caller {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  role: Role;
  via: 'session' | 'oidc';
  /** An admin reset the password: nothing but me.get and me.changePassword answers until it is changed (trpc/init.ts). */
  mustChangePassword: boolean;
}

export function callerFromUser(user: User, via: Caller['via']): Caller {
  return { id: user.id, username: user.username, displayName: user.displayName, email: user.email, role: user.role, via, mustChangePassword: user.mustChangePassword };
}
