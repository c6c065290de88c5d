/**
 * One-time SSH passwords (ssh/instance-password.ts) for students without a key: `reveal` makes one for a
 * running lab the caller works in and answers, once, with everything needed to log in with it. The
 * password is never stored or shown again; revealing again replaces it. A mutation, so the audit
 * middleware records every reveal and refusal with its input (the instance id), never the answer.
 */
import { z } from 'zod';
import { loadSshHostPublicKey } from '@autolabs/common/platform/ssh-host-key';
import { revealInstancePassword } from '../../ssh/instance-password';
import { runningLabsOf } from '../../ssh/running-labs';
import { choicesOf } from '../../ssh/ssh-lab-choice';
import { requireInstance } from '../access';
import { fail } from '../errors';
import { roleProcedure, router } from '../init';
import { iso } from '../views';

export const sshPasswordsRouter = router({
  reveal: roleProcedure('admin', 'teacher', 'student')
    .input(z.object({ instanceId: z.uuid() }))
    .mutation(async ({ ctx, input }) => {
      const { env, db } = ctx.services;
      // Only the people who work in the lab: its student, their group, the class of a shared lab.
      const { instance } = await requireInstance(ctx, input.instanceId, 'use', 'instanceId');
      if (instance.status !== 'running') fail('CONFLICT', `the lab is ${instance.status}; start it first`, { field: 'instanceId' });
      if (env.GATEWAY_SSH_PORT === 0) fail('CONFLICT', 'SSH is turned off on this installation', { field: 'instanceId' });

      // The login name the front door takes for this lab: `user+<name>`, or the id prefix beside a namesake.
      const labs = await runningLabsOf(db.prisma, ctx.caller.id);
      const choice = choicesOf(labs)[labs.findIndex((l) => l.instanceId === instance.id)];
      if (!choice) fail('CONFLICT', 'the lab is not running; start it first', { field: 'instanceId' });

      const { password, expiresAt } = await revealInstancePassword(db.prisma, ctx.caller.id, instance.id, new Date());
      const hostKey = await loadSshHostPublicKey({ publicKey: env.GATEWAY_SSH_HOST_PUBLIC_KEY, dataDir: env.AUTOLABS_DATA_DIR });
      return {
        instanceId: instance.id,
        login: `${ctx.caller.username}+${choice.login}`,
        port: env.GATEWAY_SSH_PORT,
        hostKey,
        password,
        expiresAt: iso(expiresAt),
      };
    }),
});
