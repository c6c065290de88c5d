/**
 * Files to and from a running lab's storage (the volume at storage.mountPath), for the lab's student(s):
 *   PUT /api/instances/:id/files?path=notes/a.txt  body: the file (application/octet-stream), at most
 *       MAX_LAB_FILE_BYTES; written as a one-file tar through LabRuntime.importStorage (the file replaces
 *       one of the same name and belongs to the student);
 *   GET /api/instances/:id/files?path=notes/a.txt  the file (at most MAX_LAB_FILE_BYTES), read from
 *       LabRuntime.exportStorage's tar of the whole storage.
 * Plain routes, not tRPC, because the bodies are files. The path is checked by labFilePath (inside the
 * storage, plain names); each transfer is audited (`lab.instance.file.upload` / `.download`), refusals too.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Header, Parser, type ReadEntry } from 'tar';
import { recordAudit } from '../audit/audit-log';
import type { Authenticator } from '../auth/authenticator';
import { AppError, isAppError } from '@autolabs/common/errors/app-error';
import { handleOf } from '../runtime/runtime-handle';
import type { ApiServices } from '../trpc/api-services';
import { labFilePath } from './lab-file-path';
import { routeCaller, routeInstance } from './route-access';
import type { InstanceWithDeployment } from '../trpc/access';

export const LAB_FILES_PATH = '/api/instances/:id/files';
/** The largest file a student moves in or out through the web page; bigger ones go over scp/sftp. */
export const MAX_LAB_FILE_BYTES = 10 * 1024 * 1024;

const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', `files up to ${MAX_LAB_FILE_BYTES / 1024 / 1024} MiB go through the page; use scp or sftp for larger ones`, { field: 'file' });

/** A tar stream holding one regular file, as importStorage takes it. */
export function oneFileTar(path: string, body: Buffer): Readable {
  const header = new Header({ path, mode: 0o644, size: body.length, mtime: new Date(), type: 'File' });
  const block = Buffer.alloc(512);
  header.encode(block, 0);
  const padding = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Readable.from([block, body, padding, Buffer.alloc(1024)]);
}

/**
 * The file at `path` in a storage tar (entries are `./...`): its size, and its bytes when it is within
 * MAX_LAB_FILE_BYTES (null when larger, so a huge file is never held); null when there is no such file.
 */
async function readFromTar(tar: Readable, path: string): Promise<{ size: number; body: Buffer | null } | null> {
  let found: { size: number; chunks: Buffer[] | null } | null = null;
  const parser = new Parser({
    filter: (p) => p.replace(/^\.\//, '') === path,
    onReadEntry: (entry: ReadEntry) => {
      if (entry.type !== 'File' || found) return;
      const chunks = entry.size <= MAX_LAB_FILE_BYTES ? ([] as Buffer[]) : null;
      found = { size: entry.size, chunks };
      if (chunks) entry.on('data', (c: Buffer) => chunks.push(c));
    },
  });
  await pipeline(tar, parser as unknown as NodeJS.WritableStream);
  const file = found as { size: number; chunks: Buffer[] | null } | null;
  return file ? { size: file.size, body: file.chunks ? Buffer.concat(file.chunks) : null } : null;
}

export async function registerLabFileRoutes(app: FastifyInstance, services: ApiServices, authenticator: Authenticator): Promise<void> {
  const { runtime, db } = services;

  /**
   * One transfer: the caller, their lab (its student only, running) and the path, then `work`; the audit
   * entry names caller, instance, path and size, and the refusal's code and field when there is one.
   */
  async function transfer(req: FastifyRequest, action: string, work: (instance: InstanceWithDeployment, path: string, note: (d: object) => void) => Promise<unknown>): Promise<unknown> {
    const ctx = await routeCaller(services, authenticator, req);
    let targetId: string | null = null;
    let detail: Record<string, unknown> = {};
    const note = (d: object) => (detail = { ...detail, ...d });
    const audit = (outcome: 'success' | 'denied' | 'error') =>
      recordAudit(db.prisma, req.log, { actorId: ctx.caller.id, actorRole: ctx.caller.role, action, targetType: 'instances', targetId, outcome, detail: detail as never, requestId: req.id });
    try {
      note({ path: (req.query as Record<string, unknown>).path });
      const { id } = req.params as { id?: unknown };
      if (typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id)) targetId = id;
      const { instance, relation } = await routeInstance(ctx, req, 'oversee');
      if (relation !== 'user') throw new AppError('FORBIDDEN', "only the lab's student moves files in and out of it", { field: 'id' });
      const path = labFilePath((req.query as Record<string, unknown>).path);
      note({ path });
      if (instance.status !== 'running' || instance.runtimeHandle === null) throw new AppError('CONFLICT', `the lab is ${instance.status}; files move only while it runs`, { field: 'id' });
      const result = await work(instance, path, note);
      await audit('success');
      return result;
    } catch (e) {
      const code = isAppError(e) ? e.code : 'INTERNAL';
      note({ code, field: isAppError(e) ? (e.field ?? null) : null });
      await audit(code === 'FORBIDDEN' ? 'denied' : 'error');
      throw e;
    }
  }

  await app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_LAB_FILE_BYTES }, (_req, body, done) => done(null, body));
    scope.put(
      LAB_FILES_PATH,
      {
        bodyLimit: MAX_LAB_FILE_BYTES,
        onRequest: async (req) => {
          if (Number(req.headers['content-length'] ?? 0) > MAX_LAB_FILE_BYTES) throw tooLarge();
        },
      },
      async (req, reply) =>
        transfer(req, 'lab.instance.file.upload', async (instance, path, note) => {
          const body = Buffer.isBuffer(req.body) ? req.body : null;
          if (!body) throw new AppError('BAD_INPUT', 'send the file as the request body (content-type: application/octet-stream)', { field: 'file' });
          note({ size: body.length });
          if (!runtime.importStorage) throw new AppError('NOT_AVAILABLE_YET', 'this installation cannot write files into labs', { field: 'id' });
          await runtime.importStorage(handleOf(instance), oneFileTar(path, body));
          return reply.code(201).send({ path, size: body.length });
        }),
    );
    scope.get(LAB_FILES_PATH, async (req, reply) =>
      transfer(req, 'lab.instance.file.download', async (instance, path, note) => {
        if (!runtime.exportStorage) throw new AppError('NOT_AVAILABLE_YET', 'this installation cannot read files from labs', { field: 'id' });
        const tar = await runtime.exportStorage(handleOf(instance));
        const file = tar ? await readFromTar(tar, path) : null;
        if (!file) throw new AppError('NOT_FOUND', `there is no file ${path} in your lab storage`, { field: 'path' });
        if (!file.body) throw tooLarge();
        note({ size: file.size });
        const name = path.split('/').pop()!.replace(/["\\\r\n]/g, '_');
        reply.header('content-type', 'application/octet-stream');
        reply.header('content-disposition', `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(name)}`);
        return reply.send(file.body);
      }),
    );
  });
}
