/**
 * Notifications in the app (issue 10 point 5) in Chromium against the embedded AutoLabs (its in-process
 * queue and workers): the student's bell tells them their lab is ready; on the lab page they raise a hand;
 * the teacher, already signed in elsewhere, sees the bell's count go up (polled), opens it and follows the
 * notification into the shadow view of the student's terminal, and the count is gone. The student lowers
 * the hand again.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { login, screenshot, startLabAndOpenTerminal, useApp, useBrowser } from './harness';

const app = useApp();
const student = useBrowser();
const teacher = useBrowser();

beforeAll(async () => {
  await login(teacher.page, app, 'teacher');
  await login(student.page, app, 'student');
  await startLabAndOpenTerminal(student.page, app, /Linux basics/);
}, 180_000);

describe('notifications', () => {
  it("tells the student their lab is ready, and the teacher of a raised hand, whose notification leads to the student's terminal", async () => {
    const { page } = student;
    const instanceId = decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);

    // The student's bell: the lab is ready (its notification links to this lab page).
    await page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Notifications, 1 unread' }).click();
    const ready = page.getByRole('region', { name: 'Notifications' }).getByRole('link', { name: /Your lab “Linux basics: files, permissions and pipes” is ready/ });
    expect(await ready.getAttribute('href')).toBe(`#/terminal/${instanceId}`);
    await page.keyboard.press('Escape');

    // The teacher's page is open before the hand goes up: nothing unread yet.
    await teacher.page.getByRole('button', { name: 'Notifications, none unread' }).waitFor();

    await page.getByRole('button', { name: 'Raise hand' }).click();
    await page.getByRole('status').filter({ hasText: /Hand raised at .*; your teacher has been told\./ }).waitFor();
    expect(await page.getByRole('button', { name: 'Raise hand' }).count()).toBe(0);
    await screenshot(page, 'notifications-hand-raised');

    // Polled: the teacher's bell counts it without a reload.
    const bell = teacher.page.getByRole('button', { name: 'Notifications, 1 unread' });
    await bell.waitFor({ timeout: 30_000 });
    expect(await teacher.page.getByTestId('notification-count').textContent()).toBe('1');
    await bell.click();
    const hand = teacher.page.getByRole('region', { name: 'Notifications' }).getByRole('link', { name: /Sam Student raised a hand/ });
    await hand.waitFor();
    expect(await hand.textContent()).toContain('LINUX-101, lab “Linux basics: files, permissions and pipes”.');
    await screenshot(teacher.page, 'notifications-teacher-bell');
    await hand.click();

    // Into the shadow view of Sam's terminal; the notification is read.
    await teacher.page.waitForURL(`**/#/shadow/term-${instanceId}`);
    await teacher.page.getByTestId('read-only-banner').waitFor();
    await teacher.page.getByRole('button', { name: 'Notifications, none unread' }).waitFor();

    // The student lowers the hand.
    await page.getByRole('button', { name: 'Lower hand' }).click();
    await page.getByRole('button', { name: 'Raise hand' }).waitFor();
  });
});
