/**
 * Plain (non-tRPC) routes about one lab instance, for files going in or out: the caller signed in as for
 * tRPC (cookie or bearer) and allowed on the instance by access.ts, with access.ts's refusals answered as
 * the AppErrors inside them.
 */
import { TRPCError } from '@trpc/server';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Authenticator } from '../auth/authenticator';
import { AppError } from '@autolabs/common/errors/app-error';
import { requireInstance, type InstanceRelation, type InstanceWithDeployment } from '../trpc/access';
import type { ApiServices } from '../trpc/api-services';
import { createRequestContext } from '../trpc/context';
import { appErrorOf } from '../trpc/errors';
import type { AuthedContext } from '../trpc/init';

const params = z.object({ id: z.uuid({ error: 'expected a lab instance id' }) });

/** The signed-in caller of a plain route (cookie or bearer), or UNAUTHENTICATED. */
export async function routeCaller(services: ApiServices, authenticator: Authenticator, req: FastifyRequest): Promise<AuthedContext> {
  const ctx = await createRequestContext(services, authenticator, req);
  if (!ctx.caller) throw ctx.authError ?? new AppError('UNAUTHENTICATED', 'sign in first');
  return { ...ctx, caller: ctx.caller };
}

/** The instance named by the route's `:id` that the caller may use or oversee (access.ts), or its AppError. */
export async function routeInstance(ctx: AuthedContext, req: FastifyRequest, mode: 'use' | 'oversee'): Promise<{ instance: InstanceWithDeployment; relation: InstanceRelation }> {
  const parsed = params.safeParse(req.params);
  if (!parsed.success) throw new AppError('BAD_INPUT', parsed.error.issues[0].message, { field: 'id' });
  try {
    return await requireInstance(ctx, parsed.data.id, mode);
  } catch (e) {
    const app = e instanceof TRPCError ? appErrorOf(e) : null;
    throw app ?? e;
  }
}
