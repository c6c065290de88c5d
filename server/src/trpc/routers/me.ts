import { z } from 'zod';
import { hashPassword, verifyPassword } from '../../auth/password';
import { fail } from '../errors';
import { authedProcedure, router } from '../init';
import { passwordSchema } from './admin';

/** Answers before a reset password is changed, so the web app can ask for a new one. */
const beforePasswordChange = authedProcedure.meta({ beforePasswordChange: true });

export const meRouter = router({
  get: beforePasswordChange.query(({ ctx }) => {
    const { id, username, displayName, email, role, mustChangePassword } = ctx.caller;
    return { id, username, displayName, email, role, mustChangePassword };
  }),

  /**
   * A built-in account chooses a new password, knowing its current one (after an admin's reset: the one the
   * admin handed over). Clears the must-change mark; the browser stays signed in.
   */
  changePassword: beforePasswordChange
    .input(z.object({ currentPassword: z.string().min(1).max(200), newPassword: passwordSchema }))
    .mutation(async ({ ctx, input }) => {
      const prisma = ctx.services.db.prisma;
      const user = await prisma.user.findUniqueOrThrow({ where: { id: ctx.caller.id } });
      if (user.passwordHash === null) fail('CONFLICT', 'this account signs in through the organisation\'s provider and has no password here');
      if (!(await verifyPassword(input.currentPassword, user.passwordHash))) fail('BAD_INPUT', 'this is not your current password', { field: 'currentPassword' });
      if (input.newPassword === input.currentPassword) fail('BAD_INPUT', 'choose a password other than the current one', { field: 'newPassword' });
      await prisma.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(input.newPassword), mustChangePassword: false } });
      return { id: user.id };
    }),
});
