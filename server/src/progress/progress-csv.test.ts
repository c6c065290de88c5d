import { describe, expect, it } from 'vitest';
import { csvField, progressCsv } from './progress-csv';

describe('csvField', () => {
  it('prefixes a field a spreadsheet would run as a formula with an apostrophe', () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tcmd', '\r=x'].map(csvField)).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tcmd", `"'\r=x"`]);
  });

  it('quotes a field with a comma, a quote or a line break, doubling its quotes', () => {
    expect(csvField('Smith, Ann')).toBe('"Smith, Ann"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
  });

  it('leaves plain text and numbers alone; null is empty', () => {
    expect([csvField('Ada Lovelace'), csvField(3), csvField(null), csvField('a-b')]).toEqual(['Ada Lovelace', '3', '', 'a-b']);
  });
});

describe('progressCsv', () => {
  it('writes a header with three columns per check and one CRLF line per student', () => {
    const csv = progressCsv({
      checks: ['file exists', 'mode, 600'],
      rows: [
        {
          userId: 'u1',
          displayName: '=cmd|calc',
          username: 'ada',
          instanceId: 'i1',
          instanceStatus: 'running',
          checks: [
            { passed: true, lastRunAt: '2026-12-07T10:00:00.000Z', firstPassedAt: '2026-12-07T10:00:00.000Z', attempts: 2 },
            { passed: null, lastRunAt: null, firstPassedAt: null, attempts: 0 },
          ],
        },
      ],
    });
    expect(csv).toBe(
      'student,username,lab status,file exists: passed,file exists: last run,file exists: attempts,"mode, 600: passed","mode, 600: last run","mode, 600: attempts"\r\n' +
        "'=cmd|calc,ada,running,yes,2026-12-07T10:00:00.000Z,2,,,0\r\n",
    );
  });
});
