/**
 * Every bundled lab completed by a student in Chromium, against the embedded app in pod mode: every
 * container runs from the image `npm run images` builds (published into the app's data directory, as on a
 * teacher's laptop). Per lab the student starts it from My labs, opens the terminal, sees the lab's checks
 * fail on the page, types the work of the lab's description into the terminal (real keystrokes through
 * xterm) and sees every check pass. The three labs share one app and one browser.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseLabConfig } from '@autolabs/server/labs/lab-config';
import { BUNDLED_LAB_STUDENTS } from '../fixtures/bundled-lab-students';
import { buildImages, requireTools, REPO } from '../integration/lab-image-fixture';
import { login, PROMPT_AT_END, screenshot, useApp, useBrowser, waitForTerminal, waitForTerminalState } from './harness';

// Root runs pods; skopeo publishes the images, umoci unpacks them, bubblewrap runs them.
requireTools(['skopeo', 'umoci', 'bwrap']);

const app = useApp({
  env: { LOCAL_LAB_IMAGES: 'images', LAB_IMAGE_REGISTRY: '' },
  // From the content cache in seconds; a cold cache builds every image first (minutes).
  prepareDataDir: async (dataDir) => void (await buildImages({ AUTOLABS_DATA_DIR: dataDir, LAB_IMAGE_REGISTRY: '' })),
  hookTimeoutMs: 3_600_000,
});
const browser = useBrowser();

beforeAll(async () => {
  await login(browser.page, app, 'student');
}, 60_000);

/** Lab start in pod mode: a first start unpacks every image (26 s for network-analysis on a quiet machine). */
const START_TIMEOUT_MS = 240_000;

interface ShownCheck {
  name: string;
  passed: boolean;
}

/** Presses "Check my work" and reads the results the page lists (the previous ones closed first). */
async function runChecks(page: Page): Promise<{ summary: string; checks: ShownCheck[]; text: string }> {
  const panel = page.getByRole('status', { name: 'Check results' });
  if (await panel.isVisible()) await panel.getByRole('button', { name: 'Close' }).click();
  await panel.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Check my work' }).click();
  const summary = panel.getByText(/\d+ of \d+ checks passed/);
  await summary.waitFor({ timeout: 60_000 });
  const checks = await panel.locator('li').evaluateAll((items) =>
    // The name is the item's own text, beside the ✓/✗ mark and a failing check's output.
    items.map((li) => ({
      name: Array.from(li.childNodes)
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent)
        .join('')
        .trim(),
      passed: li.classList.contains('check-ok'),
    })),
  );
  // The panel's whole text holds each failing check's output: the reason a failure message gives.
  return { summary: (await summary.textContent()) ?? '', checks, text: (await panel.textContent()) ?? '' };
}

/** Types a command into the terminal and waits for its exit status, printed on a line of its own. */
async function typeStep(page: Page, step: string, index: number): Promise<void> {
  await page.keyboard.type(`${step}; echo "step-${index} exit $?"\n`);
  const marker = new RegExp(`^step-${index} exit (\\d+)\\s*$`, 'm');
  const text = await waitForTerminal(page, marker, 60_000);
  expect(marker.exec(text)?.[1], `exit status of: ${step}\n${text.slice(-2000)}`).toBe('0');
}

describe('every bundled lab completed by a student in Chromium, in pod mode', () => {
  for (const [lab, student] of Object.entries(BUNDLED_LAB_STUDENTS)) {
    const config = parseLabConfig(fs.readFileSync(path.join(REPO, 'lab-configs', `${lab}.yaml`), 'utf8'));
    const checkNames = config.spec.checks.map((c) => c.name);

    it(`${lab}: started from My labs, its checks fail in the page, pass after the student's work in the terminal`, async () => {
      const { page } = browser;
      await page.goto(`${app.baseUrl}/#/my-labs`);
      const card = page.getByRole('article', { name: config.metadata.title });
      await card.getByRole('button', { name: 'Start lab' }).click();
      const pill = card.locator('[data-status]');
      await card.locator('[data-status="running"], [data-status="failed"]').waitFor({ timeout: START_TIMEOUT_MS });
      expect(await pill.getAttribute('data-status'), `the lab did not start: ${await card.textContent()}\napp log:\n${app.output().slice(-3000)}`).toBe('running');

      await card.getByRole('link', { name: 'Open terminal' }).click();
      await waitForTerminalState(page, 'live', 30_000);
      await waitForTerminal(page, PROMPT_AT_END, 30_000);

      const before = await runChecks(page);
      expect(before.checks, before.text).toEqual(checkNames.map((name) => ({ name, passed: student.passingBefore.includes(name) })));
      expect(before.summary).toBe(`${student.passingBefore.length} of ${checkNames.length} checks passed`);
      await screenshot(page, `bundled-${lab}-before`);

      await page.getByTestId('terminal').click();
      for (const [i, step] of student.steps.entries()) await typeStep(page, step, i + 1);

      const after = await runChecks(page);
      expect(after.checks, `${after.text}\napp log:\n${app.output().slice(-3000)}`).toEqual(checkNames.map((name) => ({ name, passed: true })));
      expect(after.summary).toBe(`${checkNames.length} of ${checkNames.length} checks passed`);
      await screenshot(page, `bundled-${lab}-after`);

      // Done: the student stops the lab, which also frees its place in the quota for the next one.
      await page.goto(`${app.baseUrl}/#/my-labs`);
      await card.getByRole('button', { name: 'Stop' }).click();
      await card.getByRole('button', { name: 'Start again' }).waitFor({ timeout: 60_000 });
    }, 600_000);
  }
});
