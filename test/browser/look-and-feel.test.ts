/**
 * Issue 10 point 7: dark mode (the system's preference and a toggle), every page readable in both themes
 * (axe-core's WCAG 2 A/AA rules, colour contrast among them) and usable from the keyboard alone (every
 * control reached by Tab, and showing that it has focus).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, openBrowser, screenshot, startLabAndOpenTerminal, useApp, type OpenBrowser } from './harness';
import { accessibilityProblems, keyboardProblems } from './page-checks';

const app = useApp();
async function signOut(page: Page): Promise<void> {
  await page.goto(`${app.baseUrl}/#/login`);
  await page.getByRole('button', { name: /^Sign (in|out)$/ }).first().waitFor();
  const button = page.getByRole('button', { name: 'Sign out' });
  if (await button.isVisible()) await button.click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
}

/** Each role's pages: a path, or a path and the link on it that leads to a detail page. */
const PAGES: Record<string, (string | [string, RegExp])[]> = {
  student: ['/my-labs', '/courses', ['/courses', /^Linux 101$/], '/ssh-keys'],
  teacher: ['/courses', ['/courses', /^Linux 101$/], '/labs', ['/labs', /Linux basics/], '/deployments', '/sessions', '/recordings', '/ssh-keys'],
  admin: ['/admin/users', '/admin/quotas', '/admin/audit'],
};

/** Opens the page and waits until it has loaded; returns its name for messages. */
async function openPage(page: Page, target: string | [string, RegExp]): Promise<string> {
  const [path, link] = typeof target === 'string' ? [target, undefined] : target;
  await page.goto(`${app.baseUrl}/#${path}`);
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  if (link) {
    await page.getByRole('link', { name: link }).first().click();
    await page.waitForFunction((from) => window.location.hash !== `#${from}`, path);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
  }
  await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached' });
  return link ? `${path} -> ${link.source}` : path;
}

describe('look and feel', () => {
  let browser: OpenBrowser;
  beforeAll(async () => {
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('follows the system theme, and the toggle overrides it for this browser across reloads', async () => {
    const { page } = browser;
    await page.emulateMedia({ colorScheme: 'dark' });
    await login(page, app, 'student');
    const theme = () => page.evaluate(() => ({ attr: document.documentElement.dataset.theme, bg: getComputedStyle(document.documentElement).backgroundColor }));
    expect(await theme()).toEqual({ attr: 'dark', bg: 'rgb(14, 19, 26)' });
    await screenshot(page, 'dark-my-labs');

    await page.getByLabel('Theme').selectOption('light');
    expect(await theme()).toEqual({ attr: 'light', bg: 'rgb(245, 246, 248)' });
    await page.reload();
    await page.getByTestId('current-user').waitFor();
    expect(await theme()).toEqual({ attr: 'light', bg: 'rgb(245, 246, 248)' });

    await page.getByLabel('Theme').selectOption('system');
    expect((await theme()).attr).toBe('dark');
    // The system's preference changing while the page is open is followed at once.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light');
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`every page passes the WCAG 2 AA checks in the ${scheme} theme`, async () => {
      const { page } = browser;
      await page.emulateMedia({ colorScheme: scheme });
      const problems: string[] = [];
      await signOut(page);
      problems.push(...(await accessibilityProblems(page)).map((p) => `/login: ${p}`));
      for (const [role, paths] of Object.entries(PAGES)) {
        await login(page, app, role);
        for (const target of paths) {
          const name = await openPage(page, target);
          problems.push(...(await accessibilityProblems(page)).map((p) => `${role} ${name}: ${p}`));
        }
        await signOut(page);
      }
      expect(problems).toEqual([]);
    });
  }

  it('every page can be used from the keyboard alone: each control is reached by Tab and shows its focus', async () => {
    const { page } = browser;
    await page.emulateMedia({ colorScheme: 'dark' });
    const problems: string[] = [];
    for (const [role, paths] of Object.entries(PAGES)) {
      await signOut(page);
      await login(page, app, role);
      for (const target of paths) {
        const name = await openPage(page, target);
        const { unreached, invisibleFocus } = await keyboardProblems(page);
        problems.push(...unreached.map((c) => `${role} ${name}: Tab never reaches ${c}`));
        problems.push(...invisibleFocus.map((c) => `${role} ${name}: ${c} shows no focus`));
      }
    }
    expect(problems).toEqual([]);
  });

  it("the lab page a student works in passes the same checks in both themes", async () => {
    const { page } = browser;
    await signOut(page);
    await login(page, app, 'student');
    await startLabAndOpenTerminal(page, app);
    const problems: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForFunction((want) => document.documentElement.dataset.theme === want, scheme);
      problems.push(...(await accessibilityProblems(page)).map((p) => `${scheme} lab page: ${p}`));
      await screenshot(page, `lab-page-${scheme}`);
    }
    expect(problems).toEqual([]);
  });

  it('the skip link takes keyboard users past the navigation to the page', async () => {
    const { page } = browser;
    await signOut(page);
    await login(page, app, 'teacher');
    await page.goto(`${app.baseUrl}/#/courses`);
    await page.reload();
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    expect(await page.evaluate(() => window.location.hash)).toBe('#/courses');
    await page.keyboard.press('Tab');
    // The next stop is inside the page, not the navigation.
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest('main')))).toBe(true);
  });
});
