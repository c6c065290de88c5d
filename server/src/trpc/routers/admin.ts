import { z } from 'zod';
import { disableAccount, enableAccount, resetAccountPassword } from '../../auth/account-admin';
import { hashPassword } from '../../auth/password';
import { ROLES } from '../../auth/caller';
import { Prisma } from '../../generated/prisma/client';
import { SESSION_CONTROL_CHANNEL } from '@autolabs/common/session-store/session-store';
import { auditWhereCourse, nameAuditEntries } from '../../audit/audit-names';
import type { ApiServices } from '../api-services';
import { fail } from '../errors';
import { isLive } from '../live-sessions';
import { roleProcedure, router } from '../init';
import { auditView, quotaView, userView } from '../views';

const admin = roleProcedure('admin');
const id = z.uuid();
const role = z.enum(ROLES);
export const usernameSchema = z
  .string()
  .trim()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, ".", "_" or "-"');
export const passwordSchema = z.string().min(10, 'at least 10 characters').max(200);

const quotaInput = z
  .object({
    scope: z.enum(['user', 'course', 'global']),
    userId: id.optional(),
    courseId: id.optional(),
    maxInstances: z.number().int().min(0).max(1000),
    maxCpuMillis: z.number().int().min(0).max(1_000_000),
    maxMemoryMi: z.number().int().min(0).max(10_000_000),
  })
  .superRefine((q, ctx) => {
    if (q.scope === 'user' && !q.userId) ctx.addIssue({ code: 'custom', path: ['userId'], message: 'required for a user quota' });
    if (q.scope === 'course' && !q.courseId) ctx.addIssue({ code: 'custom', path: ['courseId'], message: 'required for a course quota' });
    if (q.scope !== 'user' && q.userId) ctx.addIssue({ code: 'custom', path: ['userId'], message: 'only for a user quota' });
    if (q.scope !== 'course' && q.courseId) ctx.addIssue({ code: 'custom', path: ['courseId'], message: 'only for a course quota' });
  });

const accountServices = (services: ApiServices) => ({ prisma: services.db.prisma, sessionStore: services.sessionStore });

export const adminRouter = router({
  users: admin.input(z.object({ query: z.string().max(100).optional() }).default({})).query(async ({ ctx, input }) => {
    const q = input.query?.trim();
    const rows = await ctx.services.db.prisma.user.findMany({
      where: q
        ? { OR: [{ username: { contains: q, mode: 'insensitive' } }, { displayName: { contains: q, mode: 'insensitive' } }, { email: { contains: q, mode: 'insensitive' } }] }
        : {},
      orderBy: { username: 'asc' },
      take: 200,
    });
    return rows.map(userView);
  }),

  createUser: admin
    .input(z.object({ username: usernameSchema, displayName: z.string().trim().min(1).max(200), password: passwordSchema, role, email: z.email().optional() }))
    .mutation(async ({ ctx, input }) => {
      const user = await ctx.services.db.prisma.user
        .create({
          data: { username: input.username, displayName: input.displayName, role: input.role, email: input.email ?? null, passwordHash: await hashPassword(input.password) },
        })
        .catch((e: unknown) => {
          if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') fail('CONFLICT', 'this username is taken', { field: 'username' });
          throw e;
        });
      return userView(user);
    }),

  setRole: admin.input(z.object({ userId: id, role })).mutation(async ({ ctx, input }) => {
    if (input.userId === ctx.caller.id && input.role !== 'admin') {
      fail('CONFLICT', 'you cannot take away your own admin role; ask another admin', { field: 'userId' });
    }
    const prisma = ctx.services.db.prisma;
    if (!(await prisma.user.findUnique({ where: { id: input.userId } }))) fail('NOT_FOUND', 'no such user', { field: 'userId' });
    return userView(await prisma.user.update({ where: { id: input.userId }, data: { role: input.role } }));
  }),

  /**
   * Disables an account: signed out everywhere, live terminals ended, terminal tickets refused, no sign-in
   * at any door until enabled again (auth/account-admin.ts). Not one's own.
   */
  disableUser: admin.input(z.object({ userId: id })).mutation(async ({ ctx, input }) => {
    const { user, endedSessions } = await disableAccount(accountServices(ctx.services), input.userId, ctx.caller.id);
    return { ...userView(user), endedSessions };
  }),

  enableUser: admin.input(z.object({ userId: id })).mutation(async ({ ctx, input }) => userView(await enableAccount(accountServices(ctx.services), input.userId))),

  /**
   * A generated password for a built-in account, answered once (stored only as its scrypt hash, never
   * logged or audited); the user must change it at their next sign-in.
   */
  resetPassword: admin.input(z.object({ userId: id })).mutation(async ({ ctx, input }) => {
    const { user, password } = await resetAccountPassword({ ...accountServices(ctx.services), builtinSignIn: ctx.services.env.AUTH_BUILTIN === 'on' }, input.userId);
    return { userId: user.id, username: user.username, password };
  }),

  quotas: admin.query(async ({ ctx }) => {
    const rows = await ctx.services.db.prisma.resourceQuota.findMany({ orderBy: [{ scope: 'asc' }, { updatedAt: 'desc' }] });
    return rows.map(quotaView);
  }),

  /** Sets the quota of one scope (user / course / global), replacing the previous one. */
  setQuota: admin.input(quotaInput).mutation(async ({ ctx, input }) => {
    const prisma = ctx.services.db.prisma;
    const key = { scope: input.scope, userId: input.userId ?? null, courseId: input.courseId ?? null };
    const limits = { maxInstances: input.maxInstances, maxCpuMillis: input.maxCpuMillis, maxMemoryMi: input.maxMemoryMi, updatedAt: new Date() };
    const row = await prisma.$transaction(async (tx) => {
      // NULLs are distinct in unique indexes, so the global row is found by hand, under a lock.
      await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', 'resource-quotas');
      const existing = await tx.resourceQuota.findFirst({ where: key });
      return existing ? tx.resourceQuota.update({ where: { id: existing.id }, data: limits }) : tx.resourceQuota.create({ data: { ...key, ...limits } });
    }).catch((e: unknown) => {
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2003') fail('NOT_FOUND', 'no such user or course', { field: input.userId ? 'userId' : 'courseId' });
      throw e;
    });
    return quotaView(row);
  }),

  /**
   * The audit trail, newest first; `cursor` is the `nextCursor` of the previous page. Filters: `personId`
   * (entries by or about that user), `courseId` (entries about the course or what belongs to it), `action`,
   * and the raw `actorId` / `targetId`. Each entry comes with the names of its actor, target and course.
   */
  audit: admin
    .input(
      z
        .object({
          personId: id.optional(),
          courseId: id.optional(),
          actorId: id.optional(),
          action: z.string().max(100).optional(),
          targetId: z.string().max(200).optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          cursor: z.string().regex(/^\d+$/, 'a cursor from a previous page').optional(),
          limit: z.number().int().min(1).max(200).default(50),
        })
        .default({ limit: 50 }),
    )
    .query(async ({ ctx, input }) => {
      const prisma = ctx.services.db.prisma;
      const and: Prisma.AuditLogWhereInput[] = [];
      if (input.personId) and.push({ OR: [{ actorId: input.personId }, { targetId: input.personId }] });
      if (input.courseId) and.push(await auditWhereCourse(prisma, input.courseId));
      const rows = await prisma.auditLog.findMany({
        where: {
          AND: and,
          actorId: input.actorId,
          action: input.action,
          targetId: input.targetId,
          at: { gte: input.from ? new Date(input.from) : undefined, lte: input.to ? new Date(input.to) : undefined },
          id: input.cursor ? { lt: BigInt(input.cursor) } : undefined,
        },
        orderBy: { id: 'desc' },
        take: input.limit + 1,
      });
      const page = rows.slice(0, input.limit);
      const names = await nameAuditEntries(prisma, page);
      return {
        entries: page.map((a, i) => ({ ...auditView(a), ...names[i] })),
        nextCursor: rows.length > input.limit ? page[page.length - 1].id.toString() : null,
      };
    }),

  /** The actions the audit trail holds, for the audit page's action filter. */
  auditActions: admin.query(async ({ ctx }) => {
    const rows = await ctx.services.db.prisma.auditLog.findMany({ distinct: ['action'], select: { action: true }, orderBy: { action: 'asc' } });
    return rows.map((r) => r.action);
  }),

  liveSessions: admin.query(async ({ ctx }) => (await ctx.services.sessionStore.list()).filter((r) => isLive(r))),

  killSession: admin.input(z.object({ sessionId: z.string().min(1).max(200) })).mutation(async ({ ctx, input }) => {
    const record = await ctx.services.sessionStore.get(input.sessionId);
    if (!record) fail('NOT_FOUND', 'no such session', { field: 'sessionId' });
    await ctx.services.sessionStore.publish(SESSION_CONTROL_CHANNEL, { type: 'kill', sessionId: input.sessionId, by: ctx.caller.id });
    return { sessionId: input.sessionId };
  }),
});
