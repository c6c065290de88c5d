import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import { requireInstance, taughtCourseIds } from '../access';
import { fail } from '../errors';
import { authedProcedure, router } from '../init';
import { recordingView } from '../views';

export const recordingsRouter = router({
  /** Recordings of one instance, or of everything I may see, newest first, with student, lab and course. */
  list: authedProcedure.input(z.object({ instanceId: z.uuid().optional() }).default({})).query(async ({ ctx, input }) => {
    let where: Prisma.RecordingWhereInput;
    if (input.instanceId) {
      await requireInstance(ctx, input.instanceId, 'oversee', 'instanceId');
      where = { session: { instanceId: input.instanceId } };
    } else if (ctx.caller.role === 'admin') {
      where = {};
    } else {
      const taught = await taughtCourseIds(ctx);
      where = {
        OR: [
          { session: { userId: ctx.caller.id } },
          { session: { instance: { ownerUserId: ctx.caller.id } } },
          { session: { instance: { deployment: { courseId: { in: taught } } } } },
        ],
      };
    }
    const rows = await ctx.services.db.prisma.recording.findMany({
      where,
      include: {
        session: {
          include: {
            user: { select: { displayName: true } },
            instance: { select: { deployment: { select: { labConfig: { select: { title: true } }, course: { select: { code: true } } } } } },
          },
        },
      },
      orderBy: { startedAt: 'desc' },
      take: 200,
    });
    // Who, which lab and which course: what a teacher tells recordings apart by.
    return rows.map((r) => ({
      ...recordingView(r),
      student: r.session.user.displayName,
      lab: r.session.instance.deployment.labConfig.title,
      course: r.session.instance.deployment.course?.code ?? null,
    }));
  }),

  /** The asciicast v2 text: the gateway's chunks joined in order. Watching a recording is audited. */
  get: authedProcedure
    .meta({ audit: true })
    .input(z.object({ id: z.uuid() }))
    .query(async ({ ctx, input }) => {
      const rec = await ctx.services.db.prisma.recording.findUnique({ where: { id: input.id }, include: { session: true } });
      if (!rec) fail('NOT_FOUND', 'no such recording', { field: 'id' });
      await requireInstance(ctx, rec.session.instanceId, 'oversee', 'id');
      const bucket = ctx.services.env.S3_BUCKET_RECORDINGS;
      const chunks = await ctx.services.objectStore.list(bucket, rec.objectKey);
      const bodies = await Promise.all(chunks.map((c) => ctx.services.objectStore.get(bucket, c.key)));
      return { id: rec.id, sessionId: rec.sessionId, cast: Buffer.concat(bodies).toString('utf8') };
    }),
});
