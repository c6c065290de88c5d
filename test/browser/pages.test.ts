import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { login, screenshot, useApp, useBrowser } from './harness';

const app = useApp();
const browser = useBrowser();

describe('app shell pages', () => {
  it('refuses a wrong password with a visible message and stays on the login page', async () => {
    const { page } = browser;
    await page.goto(`${app.baseUrl}/#/login`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'login');
    await page.getByLabel('Username').fill('student');
    await page.getByLabel('Password').fill('definitely-wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.getAttribute('data-code')).toBe('UNAUTHENTICATED');
    expect(await alert.textContent()).toContain('Wrong username or password');
  });

  it('shows a teacher the course list and course navigation but no admin pages', async () => {
    const { page } = browser;
    await login(page, app, 'teacher');
    await page.goto(`${app.baseUrl}/#/courses`);
    await page.getByRole('link', { name: 'Linux 101' }).waitFor();
    const nav = await page.getByRole('navigation', { name: 'Main' }).textContent();
    expect(nav).toContain('Lab configs');
    expect(nav).not.toContain('Audit log');
    await screenshot(page, 'courses');
    await page.getByRole('link', { name: 'Linux 101' }).click();
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await page.getByRole('cell', { name: /Sam Student/ }).waitFor();
    await screenshot(page, 'course-detail');
  });

  it('lists the lab problems with their paths when a teacher checks an invalid lab YAML', async () => {
    const { page } = browser;
    await page.goto(`${app.baseUrl}/#/labs`);
    await page.getByRole('table').waitFor();
    await page.getByLabel('Lab YAML').fill('apiVersion: autolabs.io/v1\nkind: Lab\nmetadata:\n  name: Bad_Name\n  title: Broken\nspec:\n  containers: []\n');
    await page.getByRole('button', { name: 'Check' }).click();
    const errors = page.getByTestId('lab-errors');
    await errors.waitFor();
    const text = (await errors.textContent()) ?? '';
    expect(text).toContain('metadata.name');
    await screenshot(page, 'labs-validation');
  });

  it('says what the embedded runtime will not run when a teacher checks a two-container lab', async () => {
    const { page } = browser;
    const yaml = readFileSync(new URL('../../lab-configs/sql-injection.yaml', import.meta.url), 'utf8');
    await page.getByLabel('Lab YAML').fill(yaml);
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText('The lab config is valid.').waitFor();
    expect(await page.getByTestId('lab-runtime-notes').textContent()).toContain('the other containers (target) run only on Kubernetes');
  });

  it('uploads a changed lab YAML into its course as a new version and lists both versions', async () => {
    const { page } = browser;
    const yaml = `${readFileSync(new URL('../../lab-configs/linux-basics.yaml', import.meta.url), 'utf8')}# revised\n`;
    await page.getByLabel('Lab YAML').fill(yaml);
    await page.getByLabel('Course').selectOption({ label: 'LINUX-101 — Linux 101' });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText('Uploaded linux-basics version 2. It belongs to LINUX-101.').waitFor();
    await page.getByRole('row', { name: /Linux basics.*linux-basics.*LINUX-101.*v2/ }).waitFor();
    await page.getByRole('link', { name: /Linux basics/ }).first().click();
    await page.getByRole('heading', { name: 'Versions' }).waitFor();
    await page.getByText('v1', { exact: true }).waitFor();
    expect(await page.getByTestId('lab-yaml').textContent()).toContain('apiVersion: autolabs.io/v1');
    await screenshot(page, 'lab-detail');
  });

  it('lets a teacher create a course that then appears in the list', async () => {
    const { page } = browser;
    await page.goto(`${app.baseUrl}/#/courses`);
    const form = page.getByRole('form', { name: 'Create course' });
    await form.getByLabel('Code').fill('NET-201');
    await form.getByLabel('Title').fill('Networks 201');
    await form.getByRole('button', { name: 'Create course' }).click();
    await page.getByRole('link', { name: 'Networks 201' }).waitFor();
    await form.getByLabel('Code').fill('NET-201');
    await form.getByLabel('Title').fill('Duplicate');
    await form.getByRole('button', { name: 'Create course' }).click();
    expect(await form.getByRole('alert').getAttribute('data-code')).toBe('CONFLICT');
  });

  it('shows an admin the users and the audit log with its filters', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await login(page, app, 'admin');
    await page.goto(`${app.baseUrl}/#/admin/users`);
    await page.getByRole('cell', { name: /student2/ }).first().waitFor();
    await screenshot(page, 'admin-users');
    const form = page.getByRole('form', { name: 'Create user' });
    await form.getByLabel('Username').fill('grace');
    await form.getByLabel('Display name').fill('Grace Hopper');
    await form.getByLabel('Password').fill('a-long-enough-password-1');
    await form.getByLabel('Role').selectOption('teacher');
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('cell', { name: /Grace Hopper/ }).waitFor();
    await page.getByLabel('Role of grace').selectOption('student');
    await page.getByRole('alertdialog', { name: 'Make Grace Hopper a student?' }).getByRole('button', { name: 'Make student' }).click();
    await expect.poll(() => page.getByLabel('Role of grace').inputValue()).toBe('student');
    await page.reload();
    await expect.poll(() => page.getByLabel('Role of grace').inputValue()).toBe('student');
    await page.goto(`${app.baseUrl}/#/admin/audit`);
    await page.getByRole('form', { name: 'Audit filters' }).waitFor();
    await page.getByRole('table').waitFor();
    await screenshot(page, 'admin-audit');
  });
});
