import { describe, expect, it } from 'vitest';
import { loadEnv } from '../config/env';
import { workerOptionsFromEnv } from './worker-options-from-env';

describe('workerOptionsFromEnv', () => {
  it('archives stopped labs after 7 days, looking every 5 minutes, unless told otherwise', () => {
    expect(workerOptionsFromEnv(loadEnv({}))).toEqual({ archiveAfterMs: 7 * 24 * 3600 * 1000, archiveIntervalMs: 5 * 60 * 1000 });
    expect(workerOptionsFromEnv(loadEnv({ ARCHIVE_AFTER_DAYS: '0.5', ARCHIVE_INTERVAL_MINUTES: '1' }))).toEqual({ archiveAfterMs: 12 * 3600 * 1000, archiveIntervalMs: 60 * 1000 });
  });

  it('refuses a retention that is not a positive number, naming the variable', () => {
    expect(() => loadEnv({ ARCHIVE_AFTER_DAYS: '0' })).toThrow(/ARCHIVE_AFTER_DAYS/);
    expect(() => loadEnv({ ARCHIVE_INTERVAL_MINUTES: 'soon' })).toThrow(/ARCHIVE_INTERVAL_MINUTES/);
  });
});
