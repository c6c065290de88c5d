import { z } from 'zod';
import { validateLabConfig } from '../../labs/lab-config';
import { labsUsableInCourse, labsVisibleTo, requireCourseTeacher, requireLab } from '../access';
import { fail } from '../errors';
import { roleProcedure, router } from '../init';
import { loadLabConfig, readLabYaml, storeLab } from '../lab-store';
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

  /**
   * The latest version of every lab I may see (or, with courseId, of every lab usable in that course),
   * with how many versions it has. Labs of different owners are listed apart even when their names match.
   */
  list: staff.input(z.object({ courseId: z.uuid().optional() }).default({})).query(async ({ ctx, input }) => {
    const where = input.courseId ? await labsUsableInCourse(ctx, input.courseId) : await labsVisibleTo(ctx);
    const rows = await ctx.services.db.prisma.labConfig.findMany({ where, orderBy: [{ name: 'asc' }, { owner: 'asc' }, { version: 'desc' }] });
    const latest = new Map<string, { lab: ReturnType<typeof labView>; versions: number }>();
    for (const r of rows) {
      const series = `${r.owner} ${r.name}`;
      const seen = latest.get(series);
      if (seen) seen.versions += 1;
      else latest.set(series, { lab: labView(r), versions: 1 });
    }
    return [...latest.values()].map(({ lab, versions }) => ({ ...lab, versions }));
  }),

  get: staff.input(z.object({ id: z.uuid() })).query(async ({ ctx, input }) => {
    const row = await requireLab(ctx, input.id);
    const yaml = await readLabYaml(ctx.services, row);
    // The parsed config is cached by content; a stored lab that no longer validates has no notes to give.
    const config = await loadLabConfig(ctx.services, row).catch(() => null);
    const runtimeNotes = config ? (ctx.services.runtime.limitations?.(config) ?? []) : [];
    return { ...labView(row), yaml, runtimeNotes };
  }),

  /** Every version of the lab this one is a version of (same owner, same name), newest first. */
  versions: staff.input(z.object({ id: z.uuid() })).query(async ({ ctx, input }) => {
    const lab = await requireLab(ctx, input.id);
    const rows = await ctx.services.db.prisma.labConfig.findMany({
      where: { AND: [{ owner: lab.owner, name: lab.name }, await labsVisibleTo(ctx)] },
      orderBy: { version: 'desc' },
    });
    return rows.map(labView);
  }),
});
