/**
 * What gateways report reaches the database through the API process: the gateway's real
 * AsciicastRecorder writes chunks to the object store and announces them on Redis; the app's subscriber
 * indexes the recording, and recordings.get serves the whole cast to those allowed to watch it. Audit
 * reports from gateways land in audit_logs; malformed reports are dropped without harm.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsciicastRecorder } from '@autolabs/gateway/recording/asciicast-recorder';
import { buildApp } from '@autolabs/server/app';
import { silentLogger } from '@autolabs/server/infra/database/testing/silent-logger';
import { AUDIT_CHANNEL, RECORDING_CHANNEL } from '@autolabs/common/session-store/session-store';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { createHarness, seedWorld, type Harness, type World } from './api-harness';

let h: Harness;
let w: World;
let app: FastifyInstance;

beforeAll(async () => {
  h = await createHarness({ backing: 'redis-rabbitmq' });
  w = await seedWorld(h);
  app = await buildApp(h.services);
});

afterAll(async () => {
  await app?.close();
  await h?.close();
});

describe('recordings from the gateway', () => {
  it('a finished gateway recording is indexed with its size and served as one asciicast to the owner and teacher', async () => {
    const recorder = new AsciicastRecorder({
      objectStore: h.services.objectStore,
      bucket: h.services.env.S3_BUCKET_RECORDINGS,
      sessionStore: h.services.sessionStore,
      log: silentLogger(),
      sessionId: w.session.id,
      ownerId: h.users.student.id,
      labInstanceId: w.instance.id,
      size: { cols: 80, rows: 24 },
      chunkBytes: 64,
    });
    recorder.output(Buffer.from('student@lab:~$ ls -la\r\n'));
    recorder.output(Buffer.from('total 0\r\ndrwxr-xr-x 2 student student 40 .\r\n'));
    await recorder.finish();

    const prisma = h.services.db.prisma;
    await waitFor('recording row finished', async () => {
      const r = await prisma.recording.findUnique({ where: { objectKey: recorder.prefix } });
      return r !== null && r.endedAt !== null;
    });
    const row = await prisma.recording.findUniqueOrThrow({ where: { objectKey: recorder.prefix } });
    expect(row.sessionId).toBe(w.session.id);
    expect(row.bytes).toBeGreaterThan(64);

    const listed = await h.callerFor('student').recordings.list({ instanceId: w.instance.id });
    expect(listed.map((r) => r.id)).toContain(row.id);
    const { cast } = await h.callerFor('teacher').recordings.get({ id: row.id });
    const [header, ...events] = cast.trim().split('\n');
    expect(JSON.parse(header)).toMatchObject({ version: 2, width: 80, height: 24 });
    const parsed = events.map((e) => JSON.parse(e) as [number, string, string]);
    expect(parsed.filter(([, type]) => type === 'o').map(([, , text]) => text).join('')).toBe(
      'student@lab:~$ ls -la\r\ntotal 0\r\ndrwxr-xr-x 2 student student 40 .\r\n',
    );
    // The cast ends with the recorder's end marker, at the recording's duration.
    expect(parsed.at(-1)?.slice(1)).toEqual(['m', 'end']);
    await expect(h.callerFor('otherStudent').recordings.get({ id: row.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const audit = await prisma.auditLog.findFirst({ where: { action: 'recordings.get', outcome: 'success' }, orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ actorId: h.users.teacher.id, targetId: row.id });
  });
});

describe('audit reports from the gateway', () => {
  it('a gateway audit report becomes an audit_logs row marked as coming from the gateway', async () => {
    await h.services.sessionStore.publish(AUDIT_CHANNEL, {
      actorId: h.users.teacher.id,
      action: 'session.shadow',
      targetType: 'terminal_session',
      targetId: w.session.id,
      outcome: 'success',
      detail: { mode: 'viewer' },
    });
    await waitFor('gateway audit row', async () => (await h.services.db.prisma.auditLog.count({ where: { action: 'session.shadow' } })) === 1);
    const row = await h.services.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'session.shadow' } });
    expect(row).toMatchObject({ actorId: h.users.teacher.id, targetId: w.session.id, outcome: 'success', detail: { mode: 'viewer', source: 'gateway' } });
  });

  it('malformed reports are dropped and the subscriber keeps working', async () => {
    await h.services.sessionStore.publish(AUDIT_CHANNEL, { action: 42 });
    await h.services.sessionStore.publish(RECORDING_CHANNEL, { type: 'finished', sessionId: 'x' });
    await h.services.sessionStore.publish(AUDIT_CHANNEL, 'not even an object');
    await h.services.sessionStore.publish(AUDIT_CHANNEL, { actorId: 'not-a-uuid', action: 'session.attach', targetType: 'terminal_session', targetId: 's1', outcome: 'denied' });
    await waitFor('the valid report after the bad ones', async () => (await h.services.db.prisma.auditLog.count({ where: { action: 'session.attach' } })) === 1);
    const row = await h.services.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'session.attach' } });
    expect(row).toMatchObject({ actorId: null, outcome: 'denied', detail: { actor: 'not-a-uuid', source: 'gateway' } });
  });
});
