/**
 * Whose window sets the shell's terminal size. As in tmux (`window-size latest`) and ttyd, the window that
 * (re)attaches as the owner, or last typed with the right to type, wins: a student reopening the terminal
 * from a smaller window or a phone gets that window's size, a shadowing teacher's window never changes it
 * while read-only, and a teacher granted control resizes it only by typing (the student's typing takes it
 * back).
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { login, openBrowser, startLabAndOpenTerminal, useApp, useBrowser, waitForTerminal, waitForTerminalState, type OpenBrowser } from './harness';

const app = useApp();
const laptop = useBrowser();
const teacher = useBrowser();
let phone: OpenBrowser;

interface Size {
  cols: number;
  rows: number;
}

let marker = 0;
/** What the shell says its size is (`stty size`), typed into the page's terminal. */
async function shellSize(page: Page): Promise<Size> {
  const tag = `size${++marker}`;
  await page.getByTestId('terminal').click();
  await page.keyboard.type(`clear; echo ${tag}-$(stty size | tr ' ' x)\n`);
  const m = new RegExp(`^${tag}-(\\d+)x(\\d+)\\s*$`, 'm').exec(await waitForTerminal(page, new RegExp(`^${tag}-\\d+x\\d+\\s*$`, 'm')));
  return { rows: Number(m?.[1]), cols: Number(m?.[2]) };
}

/** The size xterm shows in the page. */
function viewSize(page: Page): Promise<Size | undefined> {
  return page.evaluate(() => window.__autolabs?.size());
}

async function reopenTerminal(page: Page): Promise<void> {
  await page.goto(`${app.baseUrl}/#/my-labs`);
  await page.getByRole('article').first().getByRole('link', { name: 'Open terminal' }).click();
  await waitForTerminalState(page, 'live', 30_000);
}

beforeAll(async () => {
  await login(laptop.page, app, 'student');
  await startLabAndOpenTerminal(laptop.page, app);
}, 180_000);

describe('terminal size follows the window that attached or typed last', () => {
  it('a terminal reopened from a smaller window takes that window size', async () => {
    const { page } = laptop;
    const big = await shellSize(page);
    expect(big).toEqual(await viewSize(page));

    await page.setViewportSize({ width: 900, height: 500 });
    await reopenTerminal(page);
    const small = await viewSize(page);
    expect(small!.cols).toBeLessThan(big.cols);
    expect(await shellSize(page)).toEqual(small);
  });

  it('the same student opening the terminal on a phone gets the phone size', async () => {
    phone = await openBrowser({ viewport: { width: 390, height: 844 } });
    await login(phone.page, app, 'student');
    await reopenTerminal(phone.page);
    const shown = await viewSize(phone.page);
    expect(shown!.cols).toBeLessThan(60);
    expect(await shellSize(phone.page)).toEqual(shown);
  });

  it("a shadowing teacher's larger window does not resize the student's terminal while read-only", async () => {
    const student = phone.page;
    const { page } = teacher;
    await login(page, app, 'teacher');
    await page.goto(`${app.baseUrl}/#/sessions`);
    await page.getByRole('link', { name: 'Shadow' }).first().click();
    await waitForTerminalState(page, 'live');
    const studentSize = await viewSize(student);
    expect(await shellSize(student)).toEqual(studentSize);
    // The teacher's terminal shows the student's size, whatever the teacher's window.
    await expect.poll(() => viewSize(page)).toEqual(studentSize);
    await page.getByTestId('terminal').click();
    await page.keyboard.type('x');
    expect(await shellSize(student)).toEqual(studentSize);
  });

  it("a teacher with control resizes the terminal by typing, and the student's typing takes it back", async () => {
    const student = phone.page;
    const { page } = teacher;
    const studentSize = await viewSize(student);
    await page.getByRole('button', { name: 'Request control' }).click();
    await student.getByTestId('control-request').getByRole('button', { name: 'Allow' }).click();
    await page.waitForFunction(() => window.__autolabs?.status().readOnly === false, undefined, { timeout: 10_000 });

    const teacherSize = await shellSize(page);
    expect(teacherSize.cols).toBeGreaterThan(studentSize!.cols);
    await expect.poll(() => viewSize(page)).toEqual(teacherSize);

    // The student's page now shows who may type, so its terminal may have a row or two less.
    const studentNow = await viewSize(student);
    expect(await shellSize(student)).toEqual(studentNow);
    await expect.poll(() => viewSize(page)).toEqual(studentNow);
    await phone.close();
  });
});
