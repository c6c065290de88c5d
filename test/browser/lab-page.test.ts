/**
 * The lab page as a student works in it: pasting with the keys common web terminals use, the key bar on a
 * phone, check results that leave the terminal usable and speak to the student, and error screens that
 * lead with a message for people.
 */
import type { Page } from 'playwright-core';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  PROMPT_AT_END,
  login,
  screenshot,
  startLabAndOpenTerminal,
  terminalText,
  useApp,
  useBrowser,
  waitForTerminal,
  waitForTerminalState,
} from './harness';

const app = useApp();
const browser = useBrowser();
let terminalUrl = '';

beforeAll(async () => {
  await login(browser.page, app, 'student');
  await startLabAndOpenTerminal(browser.page, app);
  terminalUrl = browser.page.url();
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.baseUrl });
}, 180_000);

// Each case starts from the student's terminal freshly loaded in a laptop-sized window, live and focused,
// whatever the case before it left (a phone-sized window, an open panel, another page).
beforeEach(async () => {
  const { page } = browser;
  await page.setViewportSize({ width: 1280, height: 800 });
  if (page.url() === terminalUrl) await page.reload();
  else await page.goto(terminalUrl);
  await waitForTerminalState(page, 'live', 30_000);
  await page.getByTestId('terminal').click();
});

async function toClipboard(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
}

/** Every box of the locator lies inside the viewport, and no text is clipped inside it. */
async function fullyShown(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const problems: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>(sel)) {
      const r = el.getBoundingClientRect();
      const name = el.getAttribute('aria-label') ?? el.textContent ?? sel;
      if (r.left < 0 || r.right > window.innerWidth || r.top < 0 || r.bottom > window.innerHeight) {
        problems.push(`${name} at ${Math.round(r.left)},${Math.round(r.top)}-${Math.round(r.right)},${Math.round(r.bottom)} in ${window.innerWidth}x${window.innerHeight}`);
      }
      if (el.scrollWidth > el.clientWidth) problems.push(`${name} clipped: ${el.scrollWidth} > ${el.clientWidth}`);
    }
    return problems;
  }, selector);
}

describe('the lab page', () => {
  it('pastes the clipboard with Ctrl+V and with Ctrl+Shift+V', async () => {
    const { page } = browser;
    await page.getByTestId('terminal').click();
    await toClipboard(page, 'echo pasted-by-ctrl-v-$((2*21))');
    await page.keyboard.press('Control+V');
    await page.keyboard.press('Enter');
    await waitForTerminal(page, /^pasted-by-ctrl-v-42\s*$/m);
    expect(await terminalText(page)).not.toContain('^V');

    await toClipboard(page, 'echo pasted-by-ctrl-shift-v-$((3*11))');
    await page.keyboard.press('Control+Shift+V');
    await page.keyboard.press('Enter');
    await waitForTerminal(page, /^pasted-by-ctrl-shift-v-33\s*$/m);
  });

  it('copies with Ctrl+C while text is selected, and interrupts with Ctrl+C when nothing is', async () => {
    const { page } = browser;
    await page.keyboard.type('clear; echo select-me-$((4*4))\n');
    await waitForTerminal(page, /^select-me-16\s*$/m);
    // Double-click selects the word under the pointer: `clear` leaves the output on the first row.
    const screen = await page.locator('.xterm-screen').boundingBox();
    const rows = await page.evaluate(() => window.__autolabs?.size().rows ?? 0);
    if (!screen || !rows) throw new Error('terminal screen not measurable');
    await page.mouse.dblclick(screen.x + 20, screen.y + (screen.height / rows) * 0.5);
    await page.keyboard.press('Control+C');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toMatch(/select/);

    // Ctrl+C only once sleep runs in the foreground: pressed while the shell was still starting it, the
    // interrupt reached the shell instead and sleep ran on, with the next command typed behind it. The
    // subshell is in the foreground before it runs its first command, so its echo is the evidence.
    await page.keyboard.type('(echo sleeping-$((2*3)); sleep 600)\n');
    await waitForTerminal(page, /^sleeping-6\s*$/m);
    await page.keyboard.press('Control+C');
    await page.keyboard.type('echo interrupted-$((5+5))\n');
    await waitForTerminal(page, /^interrupted-10\s*$/m);
    await waitForTerminal(page, PROMPT_AT_END);
  });

  it('shows every key of the key bar on a 390 px wide phone, none cut off', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 390, height: 844 });
    const bar = page.getByRole('toolbar', { name: 'Terminal keys' });
    await bar.waitFor();
    await screenshot(page, 'lab-page-keybar-390');
    expect(await fullyShown(page, '.keybar button')).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it('shows check results in a bounded area, each failing check by name with a friendly text and its output folded away', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Check my work' }).click();
    const panel = page.getByRole('status', { name: 'Check results' });
    await panel.getByText(/\d+ of \d+ checks passed/).waitFor({ timeout: 30_000 });
    await screenshot(page, 'lab-page-checks-390');
    // The terminal and its key bar stay on screen.
    expect(await fullyShown(page, '.keybar button')).toEqual([]);
    const frame = await page.locator('.term-frame').boundingBox();
    expect(frame!.height).toBeGreaterThan(150);

    const failing = panel.locator('li.check-fail');
    expect(await failing.count()).toBeGreaterThan(0);
    for (const item of await failing.all()) {
      expect(await item.locator('.check-name').isVisible()).toBe(true);
      const why = item.locator('.check-why');
      expect(await why.isVisible()).toBe(true);
      expect(await why.textContent()).toMatch(/not (pass|done)|could not run/i);
      // The raw output is there for whoever wants it, folded: a closed <details>.
      const details = item.locator('details');
      if ((await details.count()) > 0) {
        expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
        expect(await details.locator('pre').isVisible()).toBe(false);
      }
    }
    expect(await panel.locator('pre:visible').count()).toBe(0);
    // A laptop's window, as short as 800 px: the key bar stays on screen under the results too.
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(() => fullyShown(page, '.keybar button')).toEqual([]);
    await panel.getByRole('button', { name: 'Close' }).click();
  });

  it('shows an error as a message for people, with its code only in a folded details line', async () => {
    const { page } = browser;
    await page.goto(`${app.baseUrl}/#/terminal/00000000-0000-4000-8000-000000000000`);
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    await screenshot(page, 'lab-page-error');
    const code = (await alert.getAttribute('data-code'))!;
    expect(code).toMatch(/^[A-Z_]+$/);
    const shown = await alert.innerText();
    expect(shown).not.toContain(code);
    expect(shown).toMatch(/[a-z]{3,} [a-z]{3,}/i);
    const details = alert.locator('details');
    await details.locator('summary').click();
    expect(await details.innerText()).toContain(code);
  });
});
