/**
 * Lab uploads end to end over HTTP (tRPC via app.inject) on real Postgres: versions, content-addressed
 * storage, and the three ways an upload fails (invalid YAML, too large, database refuses the row) each
 * leaving nothing behind.
 */
import { readFileSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@autolabs/server/app';
import { labObjectKey, storeLab } from '@autolabs/server/trpc/lab-store';
import { LAB_YAML, PASSWORD, createHarness, type Harness } from './api-harness';

let h: Harness;
let app: FastifyInstance;
let cookie: string;

async function objectKeys(): Promise<string[]> {
  return (await h.services.objectStore.list(h.services.env.S3_BUCKET_CONFIGS)).map((o) => o.key);
}

function trpcMutation(path: string, input: unknown) {
  return app.inject({ method: 'POST', url: `/api/trpc/${path}`, headers: { cookie }, payload: input as object });
}

beforeAll(async () => {
  h = await createHarness({ env: { MAX_UPLOAD_BYTES: '4096' } });
  app = await buildApp(h.services);
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'teacher', password: PASSWORD } });
  cookie = String(login.headers['set-cookie']).split(';')[0];
});

afterAll(async () => {
  await app?.close();
  await h?.close();
});

describe('labs.upload', () => {
  it('stores the YAML under its sha256 and numbers versions; the same file again is not a new version', async () => {
    const first = await trpcMutation('labs.upload', { yaml: LAB_YAML });
    expect(first.statusCode).toBe(200);
    const v1 = first.json().result.data;
    expect(v1).toMatchObject({ name: 'api-test-lab', version: 1 });
    const sha = createHash('sha256').update(LAB_YAML).digest('hex');
    expect(await objectKeys()).toContain(labObjectKey(sha));

    const again = (await trpcMutation('labs.upload', { yaml: LAB_YAML })).json().result.data;
    expect(again).toEqual(v1);

    const changed = LAB_YAML.replace('title: API test lab', 'title: API test lab, revised');
    const v2 = (await trpcMutation('labs.upload', { yaml: changed })).json().result.data;
    expect(v2).toMatchObject({ name: 'api-test-lab', version: 2 });

    const caller = h.callerFor('teacher');
    expect((await caller.labs.versions({ id: v2.id })).map((l) => l.version)).toEqual([2, 1]);
    const got = await caller.labs.get({ id: v2.id });
    expect(got.yaml).toBe(changed);
    expect(got.title).toBe('API test lab, revised');
  });

  it('invalid YAML is LAB_CONFIG_INVALID listing every error path, and nothing is stored', async () => {
    const rowsBefore = await h.services.db.prisma.labConfig.count();
    const keysBefore = await objectKeys();
    const broken = 'apiVersion: autolabs.io/v1\nkind: Lab\nmetadata:\n  name: Not A Label\nspec:\n  containers: []\n';
    const res = await trpcMutation('labs.upload', { yaml: broken });
    expect(res.statusCode).toBe(400);
    const error = res.json().error;
    expect(error.data.appCode).toBe('LAB_CONFIG_INVALID');
    expect(error.data.errors.map((e: { path: string }) => e.path)).toEqual(['metadata.name', 'metadata.title', 'spec.containers', 'spec.containers']);
    expect(error.data.field).toBe('metadata.name');
    expect(await h.services.db.prisma.labConfig.count()).toBe(rowsBefore);
    expect(await objectKeys()).toEqual(keysBefore);
  });

  it('a YAML syntax error is LAB_CONFIG_INVALID with the line', async () => {
    const res = await trpcMutation('labs.upload', { yaml: 'apiVersion: [unclosed\n' });
    expect(res.json().error.data.appCode).toBe('LAB_CONFIG_INVALID');
    expect(res.json().error.data.errors[0].message).toMatch(/YAML syntax error at line \d+/);
  });

  it('an upload over MAX_UPLOAD_BYTES is PAYLOAD_TOO_LARGE on the yaml field, and nothing is stored', async () => {
    const rowsBefore = await h.services.db.prisma.labConfig.count();
    const keysBefore = await objectKeys();
    const huge = `${LAB_YAML}# ${'x'.repeat(5000)}\n`;
    const res = await trpcMutation('labs.upload', { yaml: huge });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.data).toMatchObject({ appCode: 'PAYLOAD_TOO_LARGE', field: 'yaml' });
    expect(await h.services.db.prisma.labConfig.count()).toBe(rowsBefore);
    expect(await objectKeys()).toEqual(keysBefore);
  });

  it('when the database refuses the row, the object written just before is removed again', async () => {
    const yaml = LAB_YAML.replace('name: api-test-lab', 'name: orphan-check');
    const key = labObjectKey(createHash('sha256').update(yaml).digest('hex'));
    // A creator that does not exist violates the foreign key after the object is already written.
    await expect(storeLab(h.services, yaml, { createdById: randomUUID(), courseId: null })).rejects.toThrow();
    expect(await objectKeys()).not.toContain(key);
    expect(await h.services.db.prisma.labConfig.count({ where: { name: 'orphan-check' } })).toBe(0);
  });

  it('a teacher cannot upload into a course they do not teach, and the attempt is audited as denied', async () => {
    const course = await h.services.db.prisma.course.create({ data: { code: 'NOT-MINE', title: 'Not mine' } });
    const res = await trpcMutation('labs.upload', { yaml: LAB_YAML, courseId: course.id });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.data).toMatchObject({ appCode: 'FORBIDDEN', field: 'courseId' });
    const audit = await h.services.db.prisma.auditLog.findFirst({ where: { action: 'labs.upload' }, orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ outcome: 'denied', actorId: h.users.teacher.id, targetId: course.id });
  });
});

describe('labs.validate', () => {
  it('accepts a whole YAML file sent as POST, which would not fit in a GET URL', async () => {
    const yaml = `${LAB_YAML}# ${'padding '.repeat(400)}\n`;
    const res = await app.inject({ method: 'POST', url: '/api/trpc/labs.validate', headers: { cookie }, payload: { yaml } });
    expect(res.statusCode).toBe(200);
    expect(res.json().result.data).toMatchObject({ ok: true, config: { metadata: { name: 'api-test-lab' } } });
  });

  it('answers ok with the normalised config, or every error without throwing', async () => {
    const caller = h.callerFor('teacher');
    const ok = await caller.labs.validate({ yaml: LAB_YAML });
    expect(ok.ok && ok.config.spec.mode).toBe('per_student');
    const bad = await caller.labs.validate({ yaml: 'kind: Lab\n' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors.map((e) => e.path)).toEqual(['apiVersion', 'metadata', 'spec']);
  });

  it('tells the teacher what the local runtime will not run of a valid lab', async () => {
    const caller = h.callerFor('teacher');
    const bundled = (name: string) => readFileSync(new URL(`../../lab-configs/${name}.yaml`, import.meta.url), 'utf8');
    const plain = await caller.labs.validate({ yaml: LAB_YAML });
    expect(plain.ok && plain.runtimeNotes).toEqual([]);
    const sqli = await caller.labs.validate({ yaml: bundled('sql-injection') });
    expect(sqli.ok && sqli.runtimeNotes).toEqual([
      'Only the terminal container (attacker) runs in the local runtime; the other containers (target) run only on Kubernetes, and checks in them fail here.',
    ]);
    const network = await caller.labs.validate({ yaml: bundled('network-analysis') });
    expect(network.ok && network.runtimeNotes).toHaveLength(2);
    expect(network.ok && network.runtimeNotes[1]).toBe('Labs have no network in the local runtime: allowedEgress is not honoured.');

    // The lab's page says the same once it is uploaded.
    const stored = await caller.labs.upload({ yaml: bundled('sql-injection') });
    expect((await caller.labs.get({ id: stored.id })).runtimeNotes).toEqual(sqli.ok ? sqli.runtimeNotes : null);
  });
});
