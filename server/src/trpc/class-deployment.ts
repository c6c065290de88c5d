/**
 * A deployment as a class: what the class progress table and the class wall are about. For an admin or a
 * teacher of its course only, not whoever started it (a student may have started a lab for themselves).
 */
import { requireCourseTeacher } from './access';
import { fail } from './errors';
import type { AuthedContext } from './init';
import { loadLabConfig } from './lab-store';

/** The deployment with its lab and the names of the lab's checks; NOT_FOUND / FORBIDDEN on field `id`. */
export async function requireClassDeployment(ctx: AuthedContext, id: string) {
  const d = await ctx.services.db.prisma.labDeployment.findUnique({ where: { id }, include: { labConfig: true } });
  if (!d) fail('NOT_FOUND', 'no such deployment', { field: 'id' });
  if (ctx.caller.role !== 'admin') {
    if (!d.courseId) fail('FORBIDDEN', 'only an administrator sees the class of a lab started outside a course', { field: 'id' });
    await requireCourseTeacher(ctx, d.courseId, 'id');
  }
  const config = await loadLabConfig(ctx.services, d.labConfig);
  return { deployment: d, config, checks: config.spec.checks.map((c) => c.name) };
}
