/**
 * The audit log as an admin reads it (issue 10): names instead of 8-character ids, and filters by person
 * (picked by name), course and action.
 */
import { describe, expect, it } from 'vitest';
import { createAssignment } from './course-steps';
import { login, screenshot, useApp, useBrowser } from './harness';

const app = useApp();
const browser = useBrowser();

describe('audit log', () => {
  it("finds a teacher's change in a course by person, course and action, with names for actor, target and course", async () => {
    const { page } = browser;
    await login(page, app, 'teacher');
    await createAssignment(page, app, 'Linux basics: files, permissions and pipes (linux-basics v1)', 'Quiz on pipes');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();

    await login(page, app, 'admin');
    await page.goto(`${app.baseUrl}/#/admin/audit`);
    const filters = page.getByRole('form', { name: 'Audit filters' });
    await filters.getByLabel('Person').selectOption({ label: 'Tom Teacher (teacher)' });
    await filters.getByLabel('Course').selectOption({ label: 'LINUX-101 — Linux 101' });
    await filters.getByLabel('Action').selectOption('assignments.create');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    const rows = page.getByRole('table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    const cells = await rows.first().locator('td').allTextContents();
    expect(cells.slice(1)).toEqual(['Tom Teacher teacher', 'assignments.create', 'assignment “Quiz on pipes”', 'LINUX-101', expect.stringMatching(/success/i)]);
    await screenshot(page, 'admin-audit-filtered');

    // Sam did not create it: filtered by Sam, the same course and action hold nothing.
    await filters.getByLabel('Person').selectOption({ label: 'Sam Student (student)' });
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No entries match.').waitFor();
  }, 120_000);
});
