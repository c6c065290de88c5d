import { describe, expect, it } from 'vitest';
import { loadEnv } from '@autolabs/common/config/env';
import { workerOptionsFromEnv } from './worker-options-from-env';

describe('workerOptionsFromEnv', () => {
  it('archives stopped labs after 7 days, looking every 5 minutes, unless told otherwise', () => {
    expect(workerOptionsFromEnv(loadEnv({}))).toMatchObject({ archiveAfterMs: 7 * 24 * 3600 * 1000, archiveIntervalMs: 5 * 60 * 1000 });
    expect(workerOptionsFromEnv(loadEnv({ ARCHIVE_AFTER_DAYS: '0.5', ARCHIVE_INTERVAL_MINUTES: '1' }))).toMatchObject({ archiveAfterMs: 12 * 3600 * 1000, archiveIntervalMs: 60 * 1000 });
  });

  it('backs the database up into the backups bucket every 24 hours keeping 7, unless told otherwise; 0 hours turns it off', () => {
    expect(workerOptionsFromEnv(loadEnv({})).backup).toEqual({ bucket: 'backups', intervalMs: 24 * 3600 * 1000, keep: 7 });
    expect(workerOptionsFromEnv(loadEnv({ BACKUP_BUCKET: 'db-dumps', BACKUP_INTERVAL_HOURS: '6', BACKUP_KEEP: '28' })).backup).toEqual({ bucket: 'db-dumps', intervalMs: 6 * 3600 * 1000, keep: 28 });
    expect(workerOptionsFromEnv(loadEnv({ BACKUP_INTERVAL_HOURS: '0' })).backup).toBeUndefined();
    expect(() => loadEnv({ BACKUP_KEEP: '0' })).toThrow(/BACKUP_KEEP: expected a whole number of backups from 1 to 10000/);
    expect(() => loadEnv({ BACKUP_INTERVAL_HOURS: '-1' })).toThrow(/BACKUP_INTERVAL_HOURS/);
  });

  it('refuses a retention that is not a positive number, naming the variable', () => {
    expect(() => loadEnv({ ARCHIVE_AFTER_DAYS: '0' })).toThrow(/ARCHIVE_AFTER_DAYS/);
    expect(() => loadEnv({ ARCHIVE_INTERVAL_MINUTES: 'soon' })).toThrow(/ARCHIVE_INTERVAL_MINUTES/);
  });
});
