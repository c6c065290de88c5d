/**
 * GET /api/instances/:id/archive: the archived volume of a lab instance as the tar.gz in the volumes bucket,
 * for its student(s), the course's teachers and admins (access.ts `oversee`), signed in as for the API
 * (session cookie or bearer token). A plain route, not tRPC, because the body is a file. The object is
 * checked against its recorded sha256 and size before the first byte is sent (ARCHIVE_CORRUPT, 422,
 * otherwise), and the answer carries that digest as `Repr-Digest` (RFC 9530) and `X-Archive-Sha256`.
 * Every download is audited (`lab.instance.archive.download`).
 */
import type { FastifyInstance } from 'fastify';
import { recordAudit } from '../audit/audit-log';
import type { Authenticator } from '../auth/authenticator';
import { AppError } from '@autolabs/common/errors/app-error';
import { routeCaller, routeInstance } from '../files/route-access';
import type { ApiServices } from '../trpc/api-services';
import { checkArchive, storedArchiveOf } from './restore-archive';

export const ARCHIVE_DOWNLOAD_PATH = '/api/instances/:id/archive';

export async function registerArchiveRoutes(app: FastifyInstance, services: ApiServices, authenticator: Authenticator): Promise<void> {
  const bucket = services.env.S3_BUCKET_VOLUMES;
  app.get(ARCHIVE_DOWNLOAD_PATH, async (req, reply) => {
    const authed = await routeCaller(services, authenticator, req);
    const { instance } = await routeInstance(authed, req, 'oversee');
    const archive = instance.status === 'archived' ? storedArchiveOf(instance) : null;
    if (!archive) throw new AppError('NOT_FOUND', `lab instance ${instance.id} has no archive (it is ${instance.status})`, { field: 'id' });

    await checkArchive(services.objectStore, bucket, archive);
    await recordAudit(services.db.prisma, req.log, {
      actorId: authed.caller.id,
      actorRole: authed.caller.role,
      action: 'lab.instance.archive.download',
      targetType: 'instances',
      targetId: instance.id,
      outcome: 'success',
      detail: { archiveKey: archive.key, sha256: archive.sha256 },
      requestId: req.id,
    });
    const body = await services.objectStore.getStream(bucket, archive.key);
    reply.header('content-type', 'application/gzip');
    reply.header('content-disposition', `attachment; filename="lab-${instance.id}.tar.gz"`);
    if (archive.size !== null) reply.header('content-length', String(archive.size));
    if (archive.sha256 !== null) {
      reply.header('repr-digest', `sha-256=:${Buffer.from(archive.sha256, 'hex').toString('base64')}:`);
      reply.header('x-archive-sha256', archive.sha256);
    }
    return reply.send(body);
  });
}
