/**
 * The caller's own notifications (stored from the notification queues, notifications/): the unread count
 * and the newest, and marking them read. Nobody reads or marks anyone else's: another user's
 * notification is FORBIDDEN, as any record that is not yours.
 */
import { z } from 'zod';
import type { Notification } from '../../generated/prisma/client';
import { fail } from '../errors';
import { authedProcedure, router, type AuthedContext } from '../init';
import { iso } from '../views';

const DEFAULT_LIMIT = 20;

function notificationView(n: Notification) {
  return { id: n.id, kind: n.kind, title: n.title, body: n.body, link: n.link, createdAt: iso(n.createdAt), readAt: iso(n.readAt) };
}

function unreadOf(ctx: AuthedContext): Promise<number> {
  return ctx.services.db.prisma.notification.count({ where: { userId: ctx.caller.id, readAt: null } });
}

export const notificationsRouter = router({
  /** `{unread, items}`: how many are unread, and the newest `limit` (read or not), newest first. */
  mine: authedProcedure.input(z.object({ limit: z.number().int().min(1).max(100).default(DEFAULT_LIMIT) }).default({ limit: DEFAULT_LIMIT })).query(async ({ ctx, input }) => {
    const items = await ctx.services.db.prisma.notification.findMany({
      where: { userId: ctx.caller.id },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: input.limit,
    });
    return { unread: await unreadOf(ctx), items: items.map(notificationView) };
  }),

  /** Marks the caller's notifications `ids` read (already read: unchanged) → `{unread}`. */
  markRead: authedProcedure.input(z.object({ ids: z.array(z.uuid()).min(1).max(100) })).mutation(async ({ ctx, input }) => {
    const { prisma } = ctx.services.db;
    const ids = [...new Set(input.ids)];
    const rows = await prisma.notification.findMany({ where: { id: { in: ids } }, select: { userId: true } });
    if (rows.length < ids.length) fail('NOT_FOUND', 'no such notification', { field: 'ids' });
    if (rows.some((r) => r.userId !== ctx.caller.id)) fail('FORBIDDEN', 'this notification is not yours', { field: 'ids' });
    await prisma.notification.updateMany({ where: { id: { in: ids }, userId: ctx.caller.id, readAt: null }, data: { readAt: new Date() } });
    return { unread: await unreadOf(ctx) };
  }),

  /** Marks every notification of the caller read → `{unread: 0}`. */
  markAllRead: authedProcedure.mutation(async ({ ctx }) => {
    await ctx.services.db.prisma.notification.updateMany({ where: { userId: ctx.caller.id, readAt: null }, data: { readAt: new Date() } });
    return { unread: await unreadOf(ctx) };
  }),
});
