/**
 * Issue 10 point 7: dark mode (the system's preference and a toggle), every page readable in both themes
 * (axe-core's WCAG 2 A/AA rules, colour contrast among them) and usable from the keyboard alone (every
 * control reached by Tab, and showing that it has focus).
 */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, openBrowser, screenshot, startLabAndOpenTerminal, useApp, type OpenBrowser } from './harness';

const app = useApp();
const axeSource: string = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe's WCAG 2 A and AA rules on what the page shows (the terminal's canvas is xterm's, checked elsewhere). */
async function accessibilityProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run({ exclude: [['.xterm']] }, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations;
  });
  return violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.help}) at ${n.target.join(' ')}: ${n.failureSummary ?? ''}`));
}

/**
 * Presses Tab from the top of the page until focus comes back round, and returns the visible controls that
 * Tab never reached and the reached ones that showed no focus (no outline, no box shadow).
 */
async function keyboardProblems(page: Page): Promise<{ unreached: string[]; invisibleFocus: string[] }> {
  const controls = await page.evaluate(() => {
    const selector = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
    const shown = [...document.querySelectorAll<HTMLElement>(selector)].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden' && !el.closest('.xterm') && isTabStop(el);
    });
    // A radio group is one Tab stop (its checked radio, else its first); arrow keys move within it.
    function isTabStop(el: HTMLElement): boolean {
      if (!(el instanceof HTMLInputElement) || el.type !== 'radio' || !el.name) return true;
      const group = [...document.querySelectorAll<HTMLInputElement>(`input[type="radio"][name="${el.name}"]`)];
      return el.checked || (!group.some((r) => r.checked) && group[0] === el);
    }
    shown.forEach((el, i) => (el.dataset.kbd = String(i)));
    return shown.map((el) => `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"`);
  });
  // Start from the first control: Tab then walks the page round to it again.
  await page.evaluate(() => document.querySelector<HTMLElement>('[data-kbd="0"]')?.focus());
  const reached = new Set<number>();
  const invisibleFocus: string[] = [];
  // Date inputs take several Tab stops (one per field), so the walk ends when focus is back at the start.
  for (let i = 0; i < controls.length * 4 + 10; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const s = getComputedStyle(el);
      const shows = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
      return { index: el.dataset.kbd === undefined ? -1 : Number(el.dataset.kbd), shows, name: `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"` };
    });
    if (!focused) continue;
    if (focused.index === 0 && reached.size > 0) {
      reached.add(0);
      break;
    }
    if (focused.index >= 0) reached.add(focused.index);
    if (!focused.shows && !invisibleFocus.includes(focused.name)) invisibleFocus.push(focused.name);
  }
  return { unreached: controls.filter((_, i) => !reached.has(i)), invisibleFocus };
}

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
