/**
 * Class progress (issue 10 point 4): a deployment's students x its lab's checks, the checks run for the
 * whole class at once, and the table as CSV. For the course's teachers and admins only: a student never
 * sees another's results (their own are on the lab page, from instances.check).
 */
import { z } from 'zod';
import { classCheckRunOf, startClassCheckRun } from '../../progress/class-check-run';
import { loadClassProgress } from '../../progress/class-progress';
import { progressCsv } from '../../progress/progress-csv';
import { requireClassDeployment } from '../class-deployment';
import { authedProcedure, router } from '../init';

const input = z.object({ id: z.uuid() });

export const progressRouter = router({
  /** The table, with the latest run for the class this API process knows of (null when none). */
  get: authedProcedure.input(input).query(async ({ ctx, input }) => {
    const { deployment, checks } = await requireClassDeployment(ctx, input.id);
    const progress = await loadClassProgress(ctx.services.db.prisma, deployment, checks);
    return { id: deployment.id, lab: { name: deployment.labConfig.name, title: deployment.labConfig.title }, ...progress, run: classCheckRunOf(deployment.id) };
  }),

  /** Starts the checks for every running lab of the deployment and answers at once (class-check-run.ts). */
  runChecks: authedProcedure.input(input).mutation(async ({ ctx, input }) => {
    const { deployment, config } = await requireClassDeployment(ctx, input.id);
    const { prisma } = ctx.services.db;
    const run = await startClassCheckRun({ prisma, runtime: ctx.services.runtime, log: ctx.log }, deployment, config, ctx.caller.id);
    return { id: deployment.id, run };
  }),

  /** The table as CSV (progress-csv.ts), named after the lab and the day. Audited: it carries students' results. */
  csv: authedProcedure
    .meta({ audit: true })
    .input(input)
    .query(async ({ ctx, input }) => {
      const { deployment, checks } = await requireClassDeployment(ctx, input.id);
      const progress = await loadClassProgress(ctx.services.db.prisma, deployment, checks);
      const day = new Date().toISOString().slice(0, 10);
      return { id: deployment.id, filename: `progress-${deployment.labConfig.name}-${day}.csv`, students: progress.rows.length, csv: progressCsv(progress) };
    }),
});
