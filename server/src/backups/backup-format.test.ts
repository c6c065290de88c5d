import { describe, expect, it } from 'vitest';
import { backupKey, backupTime, decodeHeader, encodeHeader, unknownMigrations, type BackupManifest } from './backup-format';

const manifest: BackupManifest = {
  format: 'pg_dump-sql-gzip',
  migrations: ['20261126150000_init', '20261127090000_lab_owner'],
  createdAt: '2026-12-07T02:00:00.000Z',
  size: 3,
  sha256: 'a'.repeat(64),
};

describe('backup format', () => {
  it('names a backup by its UTC time and engine, and reads the time back; other keys are not backups', () => {
    const at = new Date('2026-12-07T02:03:04.056Z');
    expect(backupKey(at, 'postgres')).toBe('database/2026-12-07T02-03-04-056Z-postgres.backup');
    expect(backupTime(backupKey(at, 'pglite'))).toEqual(at);
    for (const key of ['database/notes.txt', 'elsewhere/2026-12-07T02-03-04-056Z-postgres.backup', 'database/2026-12-07T02-03-04-056Z-mysql.backup']) expect(backupTime(key)).toBeNull();
  });

  it('reads back the manifest it wrote and where the dump starts', () => {
    const object = Buffer.concat([encodeHeader(manifest), Buffer.from('SQL')]);
    const header = decodeHeader(object);
    expect(header?.manifest).toEqual(manifest);
    expect(object.subarray(header?.dumpOffset).toString()).toBe('SQL');
  });

  it('asks for more bytes while the header is incomplete, and refuses what is not a backup with BACKUP_INVALID', () => {
    const whole = encodeHeader(manifest);
    expect(decodeHeader(whole.subarray(0, 10))).toBeNull();
    expect(decodeHeader(whole.subarray(0, whole.length - 1))).toBeNull();
    const refused = (bytes: string) => {
      try {
        decodeHeader(Buffer.from(bytes));
      } catch (e) {
        return e;
      }
      return null;
    };
    expect(refused('-- PostgreSQL database dump\nSET x;\n')).toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringMatching(/not an AutoLabs database backup \(its first line/) });
    expect(refused('AUTOLABS-DATABASE-BACKUP 1\n{not json}\n')).toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringMatching(/manifest is not JSON/) });
    expect(refused(`AUTOLABS-DATABASE-BACKUP 1\n${JSON.stringify({ ...manifest, sha256: 'short' })}\n`)).toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringMatching(/malformed: sha256/) });
  });

  it('names the migrations of a backup that this code does not have', () => {
    expect(unknownMigrations(manifest, ['20261126150000_init', '20261127090000_lab_owner', '20261207130000_lab_time_requests'])).toEqual([]);
    expect(unknownMigrations({ ...manifest, migrations: [...manifest.migrations, '20991231000000_future'] }, ['20261126150000_init', '20261127090000_lab_owner'])).toEqual(['20991231000000_future']);
  });
});
