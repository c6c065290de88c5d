import { authedProcedure, router } from '../init';

export const meRouter = router({
  get: authedProcedure.query(({ ctx }) => {
    const { id, username, displayName, email, role } = ctx.caller;
    return { id, username, displayName, email, role };
  }),
});
