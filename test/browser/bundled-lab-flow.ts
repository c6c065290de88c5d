/**
 * A student completing one bundled lab in Chromium, whatever runs it (local pod mode, a real Kubernetes
 * node): start it from My labs, open the terminal, see the lab's checks fail on the page, type the work of
 * the lab's description into the terminal (real keystrokes through xterm) and see every check pass, then
 * stop it. Shared by the browser test of pod mode and the cluster test of the real node.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { parseLabConfig, type LabConfig } from '@autolabs/server/labs/lab-config';
import { BUNDLED_LAB_STUDENTS } from '../fixtures/bundled-lab-students';
import { REPO } from '../integration/lab-image-fixture';
import { PROMPT_AT_END, screenshot, waitForTerminal, waitForTerminalState, type RunningApp } from './harness';

export function bundledLabConfig(lab: string): LabConfig {
  return parseLabConfig(fs.readFileSync(path.join(REPO, 'lab-configs', `${lab}.yaml`), 'utf8'));
}

interface ShownCheck {
  name: string;
  passed: boolean;
}

/** Presses "Check my work" and reads the results the page lists (the previous ones closed first). */
export async function runChecks(page: Page): Promise<{ summary: string; checks: ShownCheck[]; text: string }> {
  const panel = page.getByRole('status', { name: 'Check results' });
  if (await panel.isVisible()) await panel.getByRole('button', { name: 'Close' }).click();
  await panel.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Check my work' }).click();
  const summary = panel.getByText(/\d+ of \d+ checks passed/);
  await summary.waitFor({ timeout: 60_000 });
  const checks = await panel.locator('li').evaluateAll((items) =>
    items.map((li) => ({ name: li.querySelector('.check-name')?.textContent?.trim() ?? '', passed: li.classList.contains('check-ok') })),
  );
  // The panel's whole text holds each failing check's output (folded in its details): the reason a failure message gives.
  return { summary: (await summary.textContent()) ?? '', checks, text: (await panel.textContent()) ?? '' };
}

/** Types a command into the terminal and resolves with its exit status, printed on a line of its own. */
export async function typeCommand(page: Page, command: string, marker: string): Promise<{ status: string; screen: string }> {
  await page.keyboard.type(`${command}; echo "${marker} exit $?"\n`);
  const line = new RegExp(`^${marker} exit (\\d+)\\s*$`, 'm');
  const screen = await waitForTerminal(page, line, 60_000);
  return { status: line.exec(screen)?.[1] ?? '', screen };
}

/** Opens the lab's card on My labs, starts the lab and waits until it runs; returns the card. */
export async function startFromMyLabs(page: Page, app: RunningApp, config: LabConfig, startTimeoutMs: number) {
  await page.goto(`${app.baseUrl}/#/my-labs`);
  const card = page.getByRole('article', { name: config.metadata.title });
  await card.getByRole('button', { name: /^(Start lab|Start again)$/ }).click();
  await card.locator('[data-status="running"], [data-status="failed"]').waitFor({ timeout: startTimeoutMs });
  const status = await card.locator('[data-status]').getAttribute('data-status');
  expect(status, `the lab did not start: ${await card.textContent()}\napp log:\n${app.output().slice(-3000)}`).toBe('running');
  return card;
}

export async function stopFromMyLabs(page: Page, app: RunningApp, config: LabConfig): Promise<void> {
  await page.goto(`${app.baseUrl}/#/my-labs`);
  const card = page.getByRole('article', { name: config.metadata.title });
  await card.getByRole('button', { name: 'Stop' }).click();
  await card.getByRole('button', { name: 'Start again' }).waitFor({ timeout: 120_000 });
}

/** The whole run for one lab; `shot` prefixes its screenshots. Leaves the lab stopped. */
export async function completeBundledLab(
  page: Page,
  app: RunningApp,
  lab: string,
  opts: { startTimeoutMs: number; shot: string; whileRunning?: () => Promise<void> },
): Promise<void> {
  const config = bundledLabConfig(lab);
  const student = BUNDLED_LAB_STUDENTS[lab];
  const checkNames = config.spec.checks.map((c) => c.name);
  const card = await startFromMyLabs(page, app, config, opts.startTimeoutMs);
  await opts.whileRunning?.();

  await card.getByRole('link', { name: 'Open terminal' }).click();
  await waitForTerminalState(page, 'live', 30_000);
  await waitForTerminal(page, PROMPT_AT_END, 30_000);

  const before = await runChecks(page);
  expect(before.checks, before.text).toEqual(checkNames.map((name) => ({ name, passed: student.passingBefore.includes(name) })));
  expect(before.summary).toBe(`${student.passingBefore.length} of ${checkNames.length} checks passed`);
  await screenshot(page, `${opts.shot}-${lab}-before`);

  await page.getByTestId('terminal').click();
  for (const [i, step] of student.steps.entries()) {
    const { status, screen } = await typeCommand(page, step, `step-${i + 1}`);
    expect(status, `exit status of: ${step}\n${screen.slice(-2000)}`).toBe('0');
  }

  const after = await runChecks(page);
  expect(after.checks, `${after.text}\napp log:\n${app.output().slice(-3000)}`).toEqual(checkNames.map((name) => ({ name, passed: true })));
  expect(after.summary).toBe(`${checkNames.length} of ${checkNames.length} checks passed`);
  await screenshot(page, `${opts.shot}-${lab}-after`);

  // Done: the student stops the lab, which also frees its place in the quota for the next one.
  await stopFromMyLabs(page, app, config);
}
