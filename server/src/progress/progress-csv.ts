/**
 * A class progress table as CSV (RFC 4180, CRLF line ends), for a spreadsheet. Names and check names come
 * from people (display names, lab authors), so every field is made safe twice over: a spreadsheet would
 * run one that starts with = + - @ (or a tab or carriage return, which some strip first) as a formula, so
 * such a field gets a leading apostrophe (OWASP's "CSV injection"); a field holding a comma, a quote or a
 * line break is quoted, its quotes doubled.
 */
import type { ClassProgress } from './class-progress';

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string | number | boolean | null): string {
  let text = value === null ? '' : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(fields: (string | number | boolean | null)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/**
 * One line per student: who, their lab's status, then for each check whether its latest run passed
 * (yes / no, empty when it never ran), when that was (ISO 8601, UTC) and the student's own attempts.
 */
export function progressCsv(progress: ClassProgress): string {
  const head = ['student', 'username', 'lab status'];
  for (const check of progress.checks) head.push(`${check}: passed`, `${check}: last run`, `${check}: attempts`);
  let out = csvLine(head);
  for (const row of progress.rows) {
    const fields: (string | number | null)[] = [row.displayName, row.username, row.instanceStatus ?? 'no lab'];
    row.checks.forEach((cell) => {
      fields.push(cell.passed === null ? null : cell.passed ? 'yes' : 'no', cell.lastRunAt, cell.attempts);
    });
    out += csvLine(fields);
  }
  return out;
}
