/**
 * Files to and from a running lab's storage over HTTP (the real app, Postgres, the local runtime): the
 * lab's student uploads a file (it lands in the storage, owned by them) and downloads it again byte for
 * byte; a path outside the storage, a file over the limit, another student, a teacher and a stopped lab
 * are refused with a stable code and field; every transfer is audited, refusals included.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@autolabs/server/app';
import { SESSION_COOKIE } from '@autolabs/server/auth/cookie-session';
import { MAX_LAB_FILE_BYTES } from '@autolabs/server/files/lab-file-routes';
import { parseLabConfig } from '@autolabs/server/labs/lab-config';
import { handleOf } from '@autolabs/server/runtime/runtime-handle';
import { LAB_YAML, PASSWORD, useSeededHarness, type CastMember } from './api-harness';

const t = useSeededHarness();
let app: FastifyInstance;
const cookies: Partial<Record<CastMember, string>> = {};

beforeAll(async () => {
  app = await buildApp(t.h.services);
});
afterAll(async () => {
  await app?.close();
});

async function cookieOf(who: Exclude<CastMember, 'anonymous'>): Promise<string> {
  if (cookies[who]) return cookies[who];
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: t.h.users[who].username, password: PASSWORD } });
  const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE);
  if (!cookie) throw new Error(`no session for ${who}: HTTP ${res.statusCode}`);
  return (cookies[who] = `${cookie.name}=${cookie.value}`);
}

const filesUrl = (id: string, path: string) => `/api/instances/${id}/files?path=${encodeURIComponent(path)}`;
const upload = async (id: string, path: string, body: Buffer, who: Exclude<CastMember, 'anonymous'> = 'student') =>
  app.inject({ method: 'PUT', url: filesUrl(id, path), headers: { cookie: await cookieOf(who), 'content-type': 'application/octet-stream' }, payload: body });
const download = async (id: string, path: string, who: Exclude<CastMember, 'anonymous'> = 'student') =>
  app.inject({ method: 'GET', url: filesUrl(id, path), headers: { cookie: await cookieOf(who) } });
const refusal = (res: { statusCode: number; json(): unknown }) => ({ status: res.statusCode, ...(res.json() as { code: string; field: string }) });
const audits = (action: string, targetId: string) => t.h.services.db.prisma.auditLog.findMany({ where: { action, targetId }, orderBy: { id: 'asc' } });

describe('files to and from the lab storage', () => {
  it('uploads a file into the storage, where the lab sees it, and downloads it byte for byte', async () => {
    const { instance } = t.w;
    const body = Buffer.concat([Buffer.from('hello from the page\n'), randomBytes(70_000)]);
    const res = await upload(instance.id, 'uploads/data.bin', body);
    expect([res.statusCode, res.json()]).toEqual([201, { path: 'uploads/data.bin', size: body.length }]);
    const seen = await t.h.services.runtime.exec(handleOf(instance), parseLabConfig(LAB_YAML), ['/bin/sh', '-c', 'head -1 "$HOME/uploads/data.bin"; wc -c < "$HOME/uploads/data.bin"']);
    expect(seen.stdout).toBe(`hello from the page\n${body.length}\n`);

    const back = await download(instance.id, './uploads//data.bin');
    expect(back.statusCode).toBe(200);
    expect(back.rawPayload.equals(body)).toBe(true);
    expect(back.headers['content-disposition']).toContain('filename="data.bin"');
    expect((await audits('lab.instance.file.upload', instance.id)).map((a) => [a.outcome, a.detail])).toEqual([['success', { path: 'uploads/data.bin', size: body.length }]]);
    expect((await audits('lab.instance.file.download', instance.id)).map((a) => [a.outcome, a.detail])).toEqual([['success', { path: 'uploads/data.bin', size: body.length }]]);
  });

  it('refuses paths outside the storage and files that are not there, on the field path', async () => {
    const { instance } = t.w;
    for (const path of ['../escape.txt', '/etc/passwd', 'a/../../b', '']) {
      expect(refusal(await upload(instance.id, path, Buffer.from('x'))), path).toMatchObject({ status: 400, code: 'BAD_INPUT', field: 'path' });
    }
    expect(refusal(await download(instance.id, '../../etc/passwd'))).toMatchObject({ status: 400, code: 'BAD_INPUT', field: 'path' });
    expect(refusal(await download(instance.id, 'no/such/file.txt'))).toMatchObject({ status: 404, code: 'NOT_FOUND', field: 'path' });
    const refused = await audits('lab.instance.file.upload', instance.id);
    expect(refused.filter((a) => a.outcome === 'error').map((a) => (a.detail as { code: string }).code)).toEqual(['BAD_INPUT', 'BAD_INPUT', 'BAD_INPUT', 'BAD_INPUT']);
  });

  it('refuses a file over the limit before reading it, with its field', async () => {
    const res = await upload(t.w.instance.id, 'big.bin', Buffer.alloc(MAX_LAB_FILE_BYTES + 1));
    expect(refusal(res)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE', field: 'file' });
  });

  it("lets only the lab's student move files: another student, a teacher and an admin are refused and audited as denied", async () => {
    const { instance } = t.w;
    for (const who of ['otherStudent', 'teacher', 'otherTeacher', 'admin'] as const) {
      expect({ who, ...refusal(await upload(instance.id, 'x.txt', Buffer.from('x'), who)) }).toMatchObject({ who, status: 403, code: 'FORBIDDEN', field: 'id' });
      expect({ who, ...refusal(await download(instance.id, 'uploads/data.bin', who)) }).toMatchObject({ who, status: 403, code: 'FORBIDDEN', field: 'id' });
    }
    const denied = (await audits('lab.instance.file.upload', instance.id)).filter((a) => a.outcome === 'denied');
    expect(denied.map((a) => a.actorId)).toEqual(['otherStudent', 'teacher', 'otherTeacher', 'admin'].map((w) => t.h.users[w as 'admin'].id));
    expect((await app.inject({ method: 'GET', url: filesUrl(instance.id, 'x') })).statusCode).toBe(401);
  });

  it('refuses a lab that is not running', async () => {
    const stopped = await t.w.makeInstance();
    await t.h.services.db.prisma.labInstance.update({ where: { id: stopped.id }, data: { status: 'stopped' } });
    expect(refusal(await upload(stopped.id, 'x.txt', Buffer.from('x')))).toMatchObject({ status: 409, code: 'CONFLICT', field: 'id' });
  });
});
