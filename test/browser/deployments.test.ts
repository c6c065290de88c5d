import type { Locator } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { trpcCall } from './api-steps';
import { login, screenshot, useApp, useBrowser } from './harness';

const app = useApp();
const browser = useBrowser();

/** The status of every instance row in a deployment card, in table order. */
async function instanceStatuses(card: Locator): Promise<string[]> {
  return card.locator('table[aria-label="Instances"] tbody [data-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status') ?? ''));
}

async function signOut(): Promise<void> {
  await browser.page.getByRole('button', { name: 'Sign out' }).click();
  await browser.page.getByRole('button', { name: 'Sign in' }).waitFor();
}

/** Signs in as `username` on a freshly loaded app, whoever was signed in before (each case starts here). */
async function signInAs(username: string): Promise<void> {
  await browser.context.clearCookies();
  await browser.page.goto('about:blank');
  await login(browser.page, app, username);
}

/** As the teacher, Linux 101's "Start for class" page, reached from the courses as a teacher does; returns its form. */
async function openStartForClass(): Promise<Locator> {
  const { page } = browser;
  await signInAs('teacher');
  await page.goto(`${app.baseUrl}/#/courses`);
  await page.getByRole('link', { name: 'Linux 101' }).click();
  await page.getByRole('link', { name: 'Start for class' }).click();
  return page.getByRole('form', { name: 'Start a lab for the class' });
}

interface Quota {
  scope: string;
  maxInstances: number;
  maxCpuMillis: number;
  maxMemoryMi: number;
}

/**
 * As the admin (through the page's request context, which then holds the admin's session): student2's own
 * quota made equal to the global one, which limits student2 as having none did. The API removes no quota.
 */
async function liftStudent2Quota(): Promise<void> {
  const { page } = browser;
  const admin = app.accounts.admin;
  const signedIn = await page.request.post(`${app.baseUrl}/api/auth/login`, { data: { username: admin.username, password: admin.password } });
  expect(signedIn.status()).toBe(200);
  const users = await trpcCall<{ id: string; username: string }[]>(page, app, 'admin.users', {});
  const quotas = await trpcCall<Quota[]>(page, app, 'admin.quotas', undefined);
  const global = quotas.find((q) => q.scope === 'global')!;
  const userId = users.find((u) => u.username === 'student2')!.id;
  const limits = { maxInstances: global.maxInstances, maxCpuMillis: global.maxCpuMillis, maxMemoryMi: global.maxMemoryMi };
  await trpcCall(page, app, 'admin.setQuota', { scope: 'user', userId, ...limits }, 'mutation');
}

describe('deployments and quotas in the browser', () => {
  it('lets a teacher start linux-basics for the whole course, see each student instance reach running, and stop it', async () => {
    const { page } = browser;
    const form = await openStartForClass();
    await form.getByLabel('Lab').selectOption({ label: 'Linux basics: files, permissions and pipes' });
    await form.getByText('Mode: per student').waitFor();
    await form.getByRole('radio', { name: 'All students (2)' }).check();
    await screenshot(page, 'deployments-start');
    await form.getByRole('button', { name: 'Start' }).click();
    await form.getByText('Started 2 instances.').waitFor();

    const card = page.getByRole('article', { name: /Deployment of Linux basics/ }).first();
    await card.getByRole('table', { name: 'Instances' }).waitFor();
    const owners = await card.locator('table[aria-label="Instances"] tbody tr td:first-child').allTextContents();
    expect(owners.sort()).toEqual(['Sam Student', 'Sasha Student']);
    await expect.poll(() => instanceStatuses(card), { timeout: 90_000, interval: 250 }).toEqual(['running', 'running']);
    expect(await card.locator('.pill').first().getAttribute('data-status')).toBe('running');
    await screenshot(page, 'deployments-running');

    await card.getByRole('button', { name: 'Stop deployment' }).click();
    await expect.poll(() => instanceStatuses(card), { timeout: 60_000, interval: 250 }).toEqual(['stopped', 'stopped']);
    await screenshot(page, 'deployments-stopped');
  }, 180_000);

  it('asks for at least one student when "Some students" is empty, and starts an instance only for the chosen student', async () => {
    const { page } = browser;
    const form = await openStartForClass();
    await form.getByLabel('Lab').selectOption({ label: 'Network analysis: find the services on a small network' });
    await form.getByText('Mode: per student').waitFor();
    await form.getByRole('radio', { name: 'Some students' }).check();
    await form.getByRole('button', { name: 'Start' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    expect(await alert.getAttribute('data-code')).toBe('BAD_INPUT');
    expect(await alert.textContent()).toContain('field: studentIds');

    await form.getByRole('checkbox', { name: 'Sam Student' }).check();
    await form.getByRole('button', { name: 'Start' }).click();
    await form.getByText('Started 1 instance.').waitFor();
    const card = page.getByRole('article', { name: /Deployment of Network analysis/ });
    await card.getByRole('table', { name: 'Instances' }).waitFor();
    expect(await card.locator('table[aria-label="Instances"] tbody tr td:first-child').allTextContents()).toEqual(['Sam Student']);
    await card.getByRole('button', { name: 'Stop deployment' }).click();
    await expect.poll(() => instanceStatuses(card), { timeout: 60_000, interval: 500 }).toEqual(['stopped']);
  }, 120_000);

  it('starts a per-student lab for the students of a chosen group only', async () => {
    const { page } = browser;
    await openStartForClass();
    await page.getByRole('form', { name: 'Start a lab for the class' }).waitFor();
    // No page manages groups yet, so the teacher's own session creates one through the API.
    const courseId = new URL(page.url().replace('#', '')).searchParams.get('course') ?? '';
    const members = (await (await page.request.get(`${app.baseUrl}/api/trpc/courses.members?input=${encodeURIComponent(JSON.stringify({ courseId }))}`)).json()) as {
      result: { data: { user: { id: string; username: string } }[] };
    };
    const student2 = members.result.data.find((m) => m.user.username === 'student2')?.user.id;
    const created = await page.request.post(`${app.baseUrl}/api/trpc/groups.create`, { data: { courseId, name: 'Team A' } });
    expect(created.status()).toBe(200);
    const group = ((await created.json()) as { result: { data: { id: string } } }).result.data;
    expect((await page.request.post(`${app.baseUrl}/api/trpc/groups.addMember`, { data: { groupId: group.id, userId: student2 } })).status()).toBe(200);

    await page.reload();
    const form = page.getByRole('form', { name: 'Start a lab for the class' });
    await form.getByLabel('Lab').selectOption({ label: 'SQL injection against a vulnerable shop' });
    await form.getByText('Mode: per student').waitFor();
    await form.getByRole('radio', { name: 'Students of some groups' }).check();
    await form.getByRole('checkbox', { name: 'Team A (1)' }).check();
    await form.getByRole('button', { name: 'Start' }).click();
    await form.getByText('Started 1 instance.').waitFor();
    const card = page.getByRole('article', { name: /Deployment of SQL injection/ });
    await card.getByRole('table', { name: 'Instances' }).waitFor();
    expect(await card.locator('table[aria-label="Instances"] tbody tr td:first-child').allTextContents()).toEqual(['Sasha Student']);
    await card.getByRole('button', { name: 'Stop deployment' }).click();
    await expect.poll(() => instanceStatuses(card), { timeout: 60_000, interval: 500 }).toEqual(['stopped']);
  }, 120_000);

  it('shows the field of a refused quota, saves a per-user quota of 0 for student2, and student2 then gets QUOTA_EXCEEDED from My labs', async () => {
    const { page } = browser;
    // The quota of 0 would refuse student2 a lab in every case after this one.
    onTestFinished(liftStudent2Quota);
    await signInAs('admin');
    await page.goto(`${app.baseUrl}/#/admin/quotas`);
    await page.getByTestId('quota-global-global').waitFor();
    const form = page.getByRole('form', { name: 'Set quota' });
    await form.getByLabel('Scope').selectOption('user');
    await form.getByLabel('User').selectOption({ label: 'Sasha Student (student2)' });
    await form.getByLabel('Max running instances').fill('-1');
    await form.getByRole('button', { name: 'Save quota' }).click();
    const refused = form.getByRole('alert');
    await refused.waitFor();
    expect(await refused.getAttribute('data-code')).toBe('BAD_INPUT');
    expect(await refused.textContent()).toContain('field: maxInstances');
    await screenshot(page, 'admin-quotas-invalid');

    await form.getByLabel('Max running instances').fill('0');
    await form.getByRole('button', { name: 'Save quota' }).click();
    const row = page.getByTestId('quota-user-student2');
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe('0');
    await screenshot(page, 'admin-quotas');

    await signOut();
    await login(page, app, 'student2');
    await page.goto(`${app.baseUrl}/#/my-labs`);
    const card = page.getByRole('article', { name: /Linux basics/ });
    await card.getByRole('button', { name: /Start lab|Start again/ }).click();
    const alert = card.getByRole('alert');
    await alert.waitFor();
    expect(await alert.getAttribute('data-code')).toBe('QUOTA_EXCEEDED');
    expect(await alert.textContent()).toContain('0 of 0');
    await screenshot(page, 'my-labs-quota-exceeded');
  }, 120_000);
});
