/** The part of a Database both implementations share: ping through Prisma, close once, driver last. */
import type { PrismaClient } from '../../generated/prisma/client';
import type { Database } from './database';

export function prismaDatabase(
  prisma: PrismaClient,
  kind: Database['kind'],
  closeDriver: () => Promise<void>,
  dump: Database['dump'],
): Database {
  let closed = false;
  return {
    prisma,
    kind,
    async ping() {
      await prisma.$queryRawUnsafe('SELECT 1');
    },
    dump,
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect();
      await closeDriver();
    },
  };
}
