/**
 * Time left on the lab page and more time from the teacher (issue 10 point 2): the student's page counts
 * the lab's expiresAt down, warns from ten minutes before the end and sends "Ask for more time"; the
 * course's teacher finds the request on the deployment card and grants 30 minutes; the student's page
 * shows the new time. The student's clock is Playwright's (Date.now fixed at chosen instants, timers
 * running), so nothing waits for real minutes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { trpcCall } from './api-steps';
import { login, screenshot, startLabAndOpenTerminal, useApp, useBrowser } from './harness';

const app = useApp();
const student = useBrowser();
const teacher = useBrowser();

beforeAll(async () => {
  await login(student.page, app, 'student');
  await startLabAndOpenTerminal(student.page, app, /Linux basics/);
}, 180_000);

describe('time left and more time', () => {
  it('counts down, warns from 10 minutes before the end, and shows the time a teacher grants on request', async () => {
    const { page } = student;
    const instanceId = decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);
    const { expiresAt } = await trpcCall<{ expiresAt: string }>(page, app, 'instances.get', { id: instanceId });
    const end = Date.parse(expiresAt);
    const timer = page.getByRole('timer', { name: 'Time left' });

    await page.clock.setFixedTime(end - 60 * 60_000);
    await expect.poll(() => timer.textContent()).toBe('1:00:00 left');
    expect(await page.getByRole('alert').filter({ hasText: 'Your lab stops' }).count()).toBe(0);

    await page.clock.setFixedTime(end - 9 * 60_000 - 30_000);
    await expect.poll(() => timer.textContent()).toBe('9:30 left');
    await page.getByRole('alert').filter({ hasText: 'Your lab stops in 10 minutes. Save your work, or ask your teacher for more time.' }).waitFor();
    await screenshot(page, 'lab-time-warning');

    await page.getByRole('button', { name: 'Ask for more time' }).click();
    await page.getByText(/Asked for more time at .*; waiting for your teacher\./).waitFor();
    expect(await page.getByRole('button', { name: 'Ask for more time' }).count()).toBe(0);

    // The teacher finds the request on the deployment card and grants half an hour.
    await login(teacher.page, app, 'teacher');
    const courses = await trpcCall<{ id: string; code: string }[]>(teacher.page, app, 'courses.list', undefined);
    await teacher.page.goto(`${app.baseUrl}/#/deployments?course=${courses.find((c) => c.code === 'LINUX-101')!.id}`);
    const request = teacher.page.getByRole('group', { name: 'Sam Student asks for more time' });
    await request.waitFor();
    await screenshot(teacher.page, 'lab-time-request');
    await request.getByLabel('Minutes to add').selectOption({ label: '30 min' });
    await request.getByRole('button', { name: 'Grant' }).click();
    await request.waitFor({ state: 'detached' });

    // The student's page (polling) shows 30 more minutes and no warning.
    await page.getByText('Your teacher gave you 30 more minutes.').waitFor({ timeout: 30_000 });
    await expect.poll(() => timer.textContent()).toBe('39:30 left');
    expect(await page.getByRole('alert').filter({ hasText: 'Your lab stops' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Ask for more time' }).count()).toBe(1);
  });
});
