import { z } from 'zod';
import { validateLabConfig } from '../../labs/lab-config';
import { requireCourseTeacher } from '../access';
import { fail } from '../errors';
import { roleProcedure, router } from '../init';
import { readLabYaml, storeLab } from '../lab-store';
import { labView } from '../views';

const staff = roleProcedure('teacher', 'admin');

export const labsRouter = router({
  validate: staff.input(z.object({ yaml: z.string() })).query(({ ctx, input }) => {
    const size = Buffer.byteLength(input.yaml, 'utf8');
    if (size > ctx.services.env.MAX_UPLOAD_BYTES) {
      fail('PAYLOAD_TOO_LARGE', `the lab file is ${size} bytes; at most ${ctx.services.env.MAX_UPLOAD_BYTES} are accepted`, { field: 'yaml' });
    }
    const result = validateLabConfig(input.yaml);
    return result.ok ? { ...result, runtimeNotes: ctx.services.runtime.limitations?.(result.config) ?? [] } : result;
  }),

  /** YAML -> validated -> object store (content-addressed) + a new version row. */
  upload: staff
    .input(z.object({ yaml: z.string(), courseId: z.uuid().optional() }))
    .mutation(async ({ ctx, input }) => {
      if (input.courseId) await requireCourseTeacher(ctx, input.courseId);
      const row = await storeLab(ctx.services, input.yaml, { createdById: ctx.caller.id, courseId: input.courseId ?? null });
      return { id: row.id, name: row.name, version: row.version };
    }),

  /** The latest version of every lab, with how many versions it has. */
  list: staff.query(async ({ ctx }) => {
    const rows = await ctx.services.db.prisma.labConfig.findMany({ orderBy: [{ name: 'asc' }, { version: 'desc' }] });
    const latest = new Map<string, { lab: ReturnType<typeof labView>; versions: number }>();
    for (const r of rows) {
      const seen = latest.get(r.name);
      if (seen) seen.versions += 1;
      else latest.set(r.name, { lab: labView(r), versions: 1 });
    }
    return [...latest.values()].map(({ lab, versions }) => ({ ...lab, versions }));
  }),

  get: staff.input(z.object({ id: z.uuid() })).query(async ({ ctx, input }) => {
    const row = await ctx.services.db.prisma.labConfig.findUnique({ where: { id: input.id } });
    if (!row) fail('NOT_FOUND', 'no such lab config', { field: 'id' });
    return { ...labView(row), yaml: await readLabYaml(ctx.services, row) };
  }),

  versions: staff.input(z.object({ name: z.string().min(1).max(63) })).query(async ({ ctx, input }) => {
    const rows = await ctx.services.db.prisma.labConfig.findMany({ where: { name: input.name }, orderBy: { version: 'desc' } });
    return rows.map(labView);
  }),
});
