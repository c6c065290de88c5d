/**
 * The lab_owner migration on rows written before it: every lab gets the owner lab-owner.ts computes (its
 * course, or its author), ids and version numbers stay, and a series that mixed owners (a version
 * "planted" under another course's name) splits into one series per owner.
 */
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labOwner } from '../../labs/lab-owner';
import { applyMigrations, readMigrations, type MigrationConnection } from './migrator';
import { silentLogger } from './testing/silent-logger';

const MIGRATION = '20261127090000_lab_owner';
const log = silentLogger();

let pglite: PGlite;
let conn: MigrationConnection;
const ids = { teacher: randomUUID(), intruder: randomUUID(), course: randomUUID() };
/** name, version, course, author: 'shell' v2 is the intruder's course-less upload into the course's series. */
const rows = [
  { id: randomUUID(), name: 'shell', version: 1, courseId: ids.course, createdById: ids.teacher },
  { id: randomUUID(), name: 'shell', version: 2, courseId: null, createdById: ids.intruder },
  { id: randomUUID(), name: 'shell', version: 3, courseId: ids.course, createdById: ids.teacher },
  { id: randomUUID(), name: 'own', version: 1, courseId: null, createdById: ids.teacher },
];

beforeAll(async () => {
  pglite = await PGlite.create();
  conn = {
    query: async <T,>(sql: string, params?: unknown[]) => (await pglite.query<T>(sql, params)).rows,
    exec: async (sql: string) => void (await pglite.exec(sql)),
  };
  const all = await readMigrations();
  await applyMigrations(conn, log, all.filter((m) => m.name < MIGRATION));
  for (const [id, username] of [[ids.teacher, 'teacher'], [ids.intruder, 'intruder']]) {
    await conn.query('INSERT INTO users (id, username, display_name) VALUES ($1, $2, $2)', [id, username]);
  }
  await conn.query("INSERT INTO courses (id, code, title) VALUES ($1, 'C', 'Course')", [ids.course]);
  for (const r of rows) {
    await conn.query(
      "INSERT INTO lab_configs (id, name, version, title, object_key, sha256, created_by_id, course_id) VALUES ($1, $2, $3, 't', 'k', 's', $4, $5)",
      [r.id, r.name, r.version, r.createdById, r.courseId],
    );
  }
  expect((await applyMigrations(conn, log, all)).applied).toContain(MIGRATION);
});

afterAll(async () => {
  await pglite?.close();
});

describe('migration lab_owner', () => {
  it('gives every existing lab the owner of its course, or of its author, and keeps ids and versions', async () => {
    const migrated = await conn.query<{ id: string; owner: string; name: string; version: number }>('SELECT id, owner, name, version FROM lab_configs');
    expect(migrated.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      rows.map((r) => ({ id: r.id, owner: labOwner(r), name: r.name, version: r.version })).sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it('makes name and version unique per owner, so the course\'s series and the intruder\'s are apart', async () => {
    const insert = (owner: string, version: number) =>
      conn.query(
        "INSERT INTO lab_configs (id, owner, name, version, title, object_key, sha256, created_by_id) VALUES ($1, $2, 'shell', $3, 't', 'k', 's', $4)",
        [randomUUID(), owner, version, ids.teacher],
      );
    await expect(insert(`course:${ids.course}`, 3)).rejects.toThrow(/lab_configs_owner_name_version_key/);
    await insert(`user:${ids.intruder}`, 3);
    await insert(`user:${ids.teacher}`, 1);
  });
});
