import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { login, screenshot, useApp, useBrowser } from './harness';

const app = useApp();
const browser = useBrowser();

/** Opens the demo course from the course list; returns its id (from the URL). */
async function openDemoCourse(page: Page): Promise<string> {
  await page.goto(`${app.baseUrl}/#/courses`);
  await page.getByRole('link', { name: 'Linux 101' }).click();
  await page.getByRole('heading', { name: 'Assignments' }).waitFor();
  const id = /#\/courses\/([0-9a-f-]{36})/.exec(page.url())?.[1];
  if (!id) throw new Error(`no course id in ${page.url()}`);
  return id;
}

/** The names listed as members of a group, in page order. */
function memberNames(page: Page, group: string): Promise<string[]> {
  return page.getByRole('list', { name: `Members of ${group}` }).locator('li > span').allTextContents();
}

describe('course groups on the course page', () => {
  it('lets a teacher create a group, add two students, remove one, and keeps it across a reload', async () => {
    const { page } = browser;
    await login(page, app, 'teacher');
    await openDemoCourse(page);
    const panel = page.getByRole('region', { name: 'Groups' });
    await panel.getByText('No groups yet.', { exact: false }).waitFor();

    const form = panel.getByRole('form', { name: 'New group' });
    await form.getByLabel('Name').fill('Team Red');
    await form.getByRole('button', { name: 'Create group' }).click();
    await panel.getByRole('cell', { name: 'Team Red', exact: true }).waitFor();
    expect(await form.getByLabel('Name').inputValue()).toBe('');

    // The API refuses a second group of the same name; the page shows its message and code.
    await form.getByLabel('Name').fill('Team Red');
    await form.getByRole('button', { name: 'Create group' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    expect(await alert.getAttribute('data-code')).toBe('CONFLICT');
    expect(await alert.textContent()).toContain('this course has a group with that name');
    await form.getByLabel('Name').fill('');

    const picker = panel.getByLabel('Student to add to Team Red');
    await picker.selectOption({ label: 'Sam Student (student)' });
    await panel.getByRole('form', { name: 'Add a student to Team Red' }).getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => memberNames(page, 'Team Red')).toEqual(['Sam Student']);
    await picker.selectOption({ label: 'Sasha Student (student2)' });
    await panel.getByRole('form', { name: 'Add a student to Team Red' }).getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => memberNames(page, 'Team Red')).toEqual(['Sam Student', 'Sasha Student']);
    // Everyone is in the group, so there is nobody left to offer.
    expect(await panel.getByLabel('Student to add to Team Red').count()).toBe(0);
    await screenshot(page, 'groups-two-members');

    await panel.getByRole('button', { name: 'Remove Sam Student from Team Red' }).click();
    await expect.poll(() => memberNames(page, 'Team Red')).toEqual(['Sasha Student']);

    await page.reload();
    await page.getByRole('region', { name: 'Groups' }).getByRole('cell', { name: 'Team Red', exact: true }).waitFor();
    await expect.poll(() => memberNames(page, 'Team Red')).toEqual(['Sasha Student']);
    expect(await page.getByRole('region', { name: 'Groups' }).locator('tbody tr').count()).toBe(1);
    await screenshot(page, 'groups-after-reload');
  });

  it('renames a group in place (a taken name is refused with its message), then deletes it while the other stays', async () => {
    const { page } = browser;
    const panel = page.getByRole('region', { name: 'Groups' });
    await panel.getByRole('form', { name: 'New group' }).getByLabel('Name').fill('Team Blue');
    await panel.getByRole('button', { name: 'Create group' }).click();
    await panel.getByRole('cell', { name: 'Team Blue', exact: true }).waitFor();

    await panel.getByRole('button', { name: 'Rename group Team Blue' }).click();
    const rename = panel.getByRole('form', { name: 'Rename Team Blue' });
    await rename.getByLabel('New name').fill('Team Red');
    await rename.getByRole('button', { name: 'Save' }).click();
    const alert = panel.locator('[role="alert"][data-code="CONFLICT"]');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('this course has a group with that name');
    await rename.getByLabel('New name').fill('Team Green');
    await rename.getByRole('button', { name: 'Save' }).click();
    await panel.getByRole('cell', { name: 'Team Green', exact: true }).waitFor();
    expect(await panel.getByRole('form', { name: /^Rename / }).count()).toBe(0);

    await panel.getByRole('button', { name: 'Delete group Team Green' }).click();
    await page.getByRole('alertdialog', { name: 'Delete group Team Green?' }).getByRole('button', { name: 'Delete group' }).click();
    await expect.poll(() => panel.locator('tbody tr td:first-child').allTextContents()).toEqual(['Team Red']);
  });

  it('shows a student of the course no groups panel, because the API does not let students list groups', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await login(page, app, 'student');
    const courseId = await openDemoCourse(page);
    // The page has rendered what a student may see (the course's assignments) before we look for the panel.
    await page.getByRole('cell', { name: /Linux basics/ }).first().waitFor();
    expect(await page.getByRole('region', { name: 'Groups' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Groups' }).count()).toBe(0);
    expect(await page.getByRole('form', { name: 'New group' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Create group|Delete group|Remove .* from/ }).count()).toBe(0);
    await screenshot(page, 'groups-student-view');

    const input = encodeURIComponent(JSON.stringify({ courseId }));
    const res = await page.request.get(`${app.baseUrl}/api/trpc/groups.list?input=${input}`);
    expect(res.status()).toBe(403);
    expect(((await res.json()) as { error: { data: { appCode: string } } }).error.data.appCode).toBe('FORBIDDEN');
  });
});
