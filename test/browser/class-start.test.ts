/**
 * Starting a lab for a class, as a teacher and two students see it (issue 10, class start pitfalls): Sam is
 * at his quota, so the class start starts Sasha and names Sam with the reason; the lab, started from its
 * lab config rather than an assignment, is on Sasha's My labs at once; an assignment the teacher creates
 * afterwards opens the same lab.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssignment } from './course-steps';
import { login, openBrowser, screenshot, useApp, type OpenBrowser } from './harness';

const app = useApp();
let teacher: OpenBrowser;
let sam: OpenBrowser;
let sasha: OpenBrowser;

beforeAll(async () => {
  teacher = await openBrowser();
  sam = await openBrowser();
  sasha = await openBrowser();
}, 60_000);

afterAll(async () => {
  await Promise.all([teacher, sam, sasha].map((b) => b?.close()));
});

async function trpc<T>(page: Page, path: string, input: unknown, kind: 'query' | 'mutation' = 'query'): Promise<T> {
  const url = `${app.baseUrl}/api/trpc/${path}`;
  const res = kind === 'query' ? await page.request.get(`${url}?input=${encodeURIComponent(JSON.stringify(input))}`) : await page.request.post(url, { data: input });
  expect(res.status(), await res.text()).toBe(200);
  return ((await res.json()) as { result: { data: T } }).result.data;
}

describe('starting a lab for the class', () => {
  it('starts everyone who can start, names the student at their quota with the reason, and the students find the lab in My labs', async () => {
    // An admin limits Sam to one running lab; Sam starts one from My labs.
    const admin = await openBrowser();
    try {
      await login(admin.page, app, 'admin');
      const users = await trpc<{ id: string; username: string }[]>(admin.page, 'admin.users', {});
      const samId = users.find((u) => u.username === 'student')?.id;
      await trpc(admin.page, 'admin.setQuota', { scope: 'user', userId: samId, maxInstances: 1, maxCpuMillis: 100_000, maxMemoryMi: 100_000 }, 'mutation');
    } finally {
      await admin.close();
    }
    await login(sam.page, app, 'student');
    await sam.page.goto(`${app.baseUrl}/#/my-labs`);
    const samCard = sam.page.getByRole('article', { name: /Network analysis/ });
    await samCard.getByRole('button', { name: 'Start lab' }).click();
    await samCard.getByRole('link', { name: 'Open terminal' }).waitFor({ timeout: 90_000 });

    // The teacher starts Linux basics from its lab config (not the assignment) for all students.
    const { page } = teacher;
    await login(page, app, 'teacher');
    await page.goto(`${app.baseUrl}/#/courses`);
    await page.getByRole('link', { name: 'Linux 101' }).click();
    await page.getByRole('link', { name: 'Start for class' }).click();
    const form = page.getByRole('form', { name: 'Start a lab for the class' });
    await form.getByLabel('Lab').selectOption({ label: 'Linux basics: files, permissions and pipes (linux-basics v1)' });
    await form.getByText('Mode: per student').waitFor();
    await form.getByRole('radio', { name: 'All students (2)' }).check();
    await form.getByRole('button', { name: 'Start' }).click();
    const report = form.getByTestId('class-start-report');
    await report.or(form.getByRole('alert')).waitFor();
    if (!(await report.isVisible())) throw new Error(`the class start was refused: ${await form.getByRole('alert').textContent()}`);
    await screenshot(page, 'class-start-report');
    const text = (await report.textContent()) ?? '';
    expect(text).toContain('Started 1 instance');
    expect(text).toContain('Sam Student: at the limit of 1 running lab');
    expect(text).toContain('Students find it in My labs as “Linux basics: files, permissions and pipes”');

    // Sasha sees her lab on My labs without starting anything.
    await login(sasha.page, app, 'student2');
    await sasha.page.goto(`${app.baseUrl}/#/my-labs`);
    const sashaCard = sasha.page.getByRole('article', { name: 'Linux basics: files, permissions and pipes' });
    const open = sashaCard.getByRole('link', { name: 'Open terminal' });
    await open.waitFor({ timeout: 90_000 });
    expect(await sashaCard.getByRole('button', { name: /Start lab|Start again/ }).count()).toBe(0);
    const labHref = await open.getAttribute('href');

    // The teacher adds an assignment for the same lab; it opens the lab Sasha already has.
    await createAssignment(page, app, 'Linux basics: files, permissions and pipes (linux-basics v1)', 'Homework: pipes');

    await sasha.page.reload();
    const homework = sasha.page.getByRole('article', { name: 'Homework: pipes' });
    const homeworkOpen = homework.getByRole('link', { name: 'Open terminal' });
    await homeworkOpen.waitFor({ timeout: 30_000 });
    expect(await homeworkOpen.getAttribute('href')).toBe(labHref);
    await screenshot(sasha.page, 'class-start-my-labs');
  }, 300_000);
});
