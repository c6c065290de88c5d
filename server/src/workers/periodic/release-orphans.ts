/**
 * Releases what the runtime still holds for instances that do not run: a failed start whose clean-up
 * could not reach the runtime (an apiserver that stayed down past the start deadline) leaves its Pod,
 * Service and NetworkPolicy behind; a database restored from an older backup leaves objects it has no
 * row for. The runtime lists what it holds (LabRuntime.inventory); each instance is compared with its row:
 * - no row, or archived: everything goes, storage too (`destroy`); nothing will start it again;
 * - failed or stopped: the running parts go (`stop`); the storage stays for the archive job;
 * - pending, starting, running, stopping: left alone, a job owns them.
 * The row stays locked while its leftovers go, so a start that comes in meanwhile waits, then creates
 * everything afresh (NetworkPolicy before Pod): no lab ever runs without its isolation.
 */
import type { HeldInstance } from '../../runtime/lab-runtime';
import { auditInstance } from '../audit';
import type { WorkerContext } from '../worker-context';

export interface Released {
  instanceId: string;
  /** 'all': objects and storage; 'running': the running parts, storage kept. */
  released: 'all' | 'running';
}

/** Long enough for a stop that waits for its Pod to go (the runtime's own deadline is 2 minutes). */
const LOCK_TIMEOUT_MS = 5 * 60_000;

export async function releaseOrphans(ctx: WorkerContext): Promise<Released[]> {
  const { runtime } = ctx.services;
  if (!runtime.inventory) return [];
  const held = await runtime.inventory();
  if (held.length === 0) return [];
  const { prisma } = ctx.services.db;
  const rows = await prisma.labInstance.findMany({ where: { id: { in: held.map((h) => h.instanceId) } }, select: { id: true, status: true } });
  const statusOf = new Map(rows.map((r) => [r.id, r.status]));
  const released: Released[] = [];
  for (const h of held) {
    const status = statusOf.get(h.instanceId);
    if (status === undefined || status === 'archived') {
      await runtime.destroy(h.handle);
      released.push({ instanceId: h.instanceId, released: 'all' });
    } else if ((status === 'failed' || status === 'stopped') && h.running && (await stopUnderLock(ctx, h))) {
      released.push({ instanceId: h.instanceId, released: 'running' });
    }
  }
  for (const r of released) {
    ctx.log.warn({ instanceId: r.instanceId, released: r.released }, 'released what the runtime held for an instance that does not run');
    if (statusOf.has(r.instanceId)) await auditInstance(ctx, 'lab.instance.stop', r.instanceId, 'success', { reason: 'orphaned', released: r.released });
  }
  return released;
}

/** Stops the leftovers of a failed or stopped instance while holding its row; false if it moved on meanwhile. */
async function stopUnderLock(ctx: WorkerContext, h: HeldInstance): Promise<boolean> {
  return ctx.services.db.prisma.$transaction(
    async (tx) => {
      const [row] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text AS status FROM lab_instances WHERE id = ${h.instanceId}::uuid FOR UPDATE`;
      if (row?.status !== 'failed' && row?.status !== 'stopped') return false;
      await ctx.services.runtime.stop(h.handle);
      return true;
    },
    { timeout: LOCK_TIMEOUT_MS, maxWait: 10_000 },
  );
}
