/**
 * An admin disables, enables and resets accounts from the Users page (issue 10 point 6), by keyboard
 * through the confirmation dialog, while the student's own browser is open on My labs.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { login, openBrowser, screenshot, useApp, useBrowser, type OpenBrowser } from './harness';

const app = useApp();
const admin = useBrowser();

/** The text of the focused element. */
const focused = (page: Page) => page.evaluate(() => document.activeElement?.textContent?.trim() ?? null);

async function signInWith(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${app.baseUrl}/#/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('admin accounts', () => {
  let student: OpenBrowser;

  it('disables a student by keyboard through the dialog, and the student\'s open page is signed out', async () => {
    student = await openBrowser();
    await login(student.page, app, 'student');
    await student.page.goto(`${app.baseUrl}/#/my-labs`);
    await student.page.getByRole('article').first().waitFor();

    const { page } = admin;
    await login(page, app, 'admin');
    await page.goto(`${app.baseUrl}/#/admin/users`);
    const disable = page.getByRole('button', { name: 'Disable student', exact: true });
    await disable.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('alertdialog', { name: 'Disable Sam Student?' });
    await dialog.waitFor();
    expect(await dialog.getAttribute('aria-modal')).toBe('true');
    const describedBy = await dialog.getAttribute('aria-describedby');
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toContain('signed out everywhere at once');
    // Cancel holds the focus first; Escape cancels and nothing changes.
    expect(await focused(page)).toBe('Cancel');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await focused(page)).toBe('Disable');
    expect(await page.getByTestId('user-student').getByText('active').count()).toBe(1);

    // Again: Tab reaches the confirm button, Tab and Shift+Tab stay inside the dialog, Enter confirms.
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('Disable account');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('Cancel');
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe('Disable account');
    await screenshot(page, 'admin-disable-dialog');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('user-student').getByText('disabled').waitFor();

    // The student's My labs page polls: its next call is a 401 and the app signs out with a sentence.
    await student.page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 30_000 });
    await student.page.getByText('Your session has ended. Sign in again.').waitFor();
    await screenshot(student.page, 'student-signed-out');
    await signInWith(student.page, 'student', app.accounts.student.password);
    await student.page.getByText('Wrong username or password.').waitFor();
  }, 120_000);

  it('enables the student again and resets their password, shown once, which they must change at sign-in', async () => {
    const { page } = admin;
    await page.getByRole('button', { name: 'Enable student', exact: true }).click();
    await page.getByRole('alertdialog', { name: 'Enable Sam Student?' }).getByRole('button', { name: 'Enable account' }).click();
    await page.getByTestId('user-student').getByText('active').waitFor();

    await page.getByRole('button', { name: 'Reset password of student', exact: true }).click();
    await page.getByRole('alertdialog', { name: "Reset Sam Student's password?" }).getByRole('button', { name: 'Reset password' }).click();
    const note = page.getByRole('region', { name: 'New password' });
    const password = (await note.getByTestId('issued-password').textContent())?.trim() ?? '';
    expect(password).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    await page.getByTestId('user-student').getByText('new password due').waitFor();
    await screenshot(page, 'admin-password-issued');
    await note.getByRole('button', { name: 'Done' }).click();
    await note.waitFor({ state: 'detached' });
    await page.reload();
    await page.getByTestId('user-student').waitFor();
    expect(await page.content()).not.toContain(password);

    // The old password no longer works; the new one leads to the change-password page and nowhere else.
    const s = student.page;
    await signInWith(s, 'student', app.accounts.student.password);
    await s.getByText('Wrong username or password.').waitFor();
    await signInWith(s, 'student', password);
    const form = s.getByRole('form', { name: 'Choose a new password' });
    await form.waitFor();
    await s.goto(`${app.baseUrl}/#/my-labs`);
    await form.waitFor();
    await form.getByLabel('Password you were given').fill(password);
    await form.getByLabel('New password', { exact: true }).fill('sams own password');
    await form.getByLabel('New password again').fill('sams own password');
    await form.getByRole('button', { name: 'Save new password' }).click();
    await s.getByRole('article').first().waitFor();
    await screenshot(s, 'student-after-new-password');
    await student.close();
  }, 120_000);
});
