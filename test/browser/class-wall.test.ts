/**
 * The class wall (issue 10 point 3) in Chromium against the embedded AutoLabs: the teacher starts a lab for
 * the class; Sam and Sasha open their terminals and type; from the deployment card the teacher opens the
 * wall and sees each terminal's text as a thumbnail that follows what they type, their last activity and
 * their checks. Sam raises a hand: his card is highlighted and comes first; "Request control" opens his
 * terminal in the shadow view asking for the keyboard, which Sam allows. A click on Sasha's thumbnail
 * opens her terminal read-only.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startClassLab, trpcCall } from './api-steps';
import { login, screenshot, useApp, useBrowser, waitForTerminal, waitForTerminalState } from './harness';
import { accessibilityProblems, keyboardProblems } from './page-checks';

const WALL_LAB = `apiVersion: autolabs.io/v1
kind: Lab
metadata:
  name: wall-quiz
  title: Wall quiz
spec:
  mode: per_student
  containers:
    - name: shell
      image: autolabs/linux-basics:latest
      terminal: true
  checks:
    - name: notes file exists
      command: [test, -f, /home/student/notes.txt]
`;

const app = useApp();
const teacher = useBrowser();
const sam = useBrowser();
const sasha = useBrowser();

async function openLab(page: Page, instanceId: string, typed: string, shows: RegExp): Promise<void> {
  await page.goto(`${app.baseUrl}/#/terminal/${instanceId}`);
  await waitForTerminalState(page, 'live', 30_000);
  await page.getByTestId('terminal').click();
  await page.keyboard.type(`${typed}\n`);
  await waitForTerminal(page, shows);
}

describe('class wall', () => {
  it('shows every student’s terminal live with activity and checks, highlights a raised hand, and opens the shadow view', async () => {
    const { page } = teacher;
    await login(page, app, 'teacher');
    const { deploymentId, courseId, status } = await startClassLab(page, app, WALL_LAB, 'Wall quiz');

    await login(sam.page, app, 'student');
    await login(sasha.page, app, 'student2');
    const samId = (await trpcCall<{ id: string }>(sam.page, app, 'me.get', undefined)).id;
    const instances = (await status()).instances;
    const samLab = instances.find((i) => i.ownerUserId === samId)!;
    const sashaLab = instances.find((i) => i.ownerUserId !== samId)!;
    await openLab(sam.page, samLab.id, 'echo sam-wall-$((6*7))', /^sam-wall-42\s*$/m);
    await openLab(sasha.page, sashaLab.id, 'echo sasha-wall-$((5*5))', /^sasha-wall-25\s*$/m);

    // From the deployment card to the wall.
    await page.goto(`${app.baseUrl}/#/deployments?course=${courseId}`);
    await page.getByRole('article', { name: 'Deployment of Wall quiz' }).getByRole('link', { name: 'Class wall' }).click();
    await page.waitForURL(`**/#/deployments/${deploymentId}/wall`);
    await page.getByRole('heading', { name: 'Class wall: Wall quiz' }).waitFor();
    const samCard = page.getByRole('article', { name: 'Sam Student' });
    const sashaCard = page.getByRole('article', { name: 'Sasha Student' });
    await expect.poll(() => samCard.getByTestId('wall-thumb').textContent(), { timeout: 20_000 }).toMatch(/^sam-wall-42$/m);
    await expect.poll(() => sashaCard.getByTestId('wall-thumb').textContent(), { timeout: 20_000 }).toMatch(/^sasha-wall-25$/m);
    expect(await page.getByTestId('wall-state').textContent()).toMatch(/Screens refresh every \d+ s\./);
    await expect.poll(() => samCard.getByTestId('wall-activity').textContent(), { timeout: 20_000 }).toMatch(/^typed \d+ (s|min) ago$/);
    expect(await samCard.getByTestId('wall-checks').textContent()).toBe('0/1 checks');

    // Live: what Sam types next reaches his thumbnail, without a reload.
    await sam.page.keyboard.type('echo again-$((9*9))\n');
    await expect.poll(() => samCard.getByTestId('wall-thumb').textContent(), { timeout: 20_000 }).toMatch(/^again-81$/m);

    // Sam raises a hand: his card is highlighted and first.
    await sam.page.getByRole('button', { name: 'Raise hand' }).click();
    await expect.poll(() => samCard.getAttribute('class'), { timeout: 20_000 }).toContain('wall-card-hand');
    expect(await samCard.getByRole('status').textContent()).toMatch(/Hand raised \d+ (s|min) ago/);
    expect(await page.locator('.wall-card').first().getAttribute('aria-label')).toBe('Sam Student');
    await screenshot(page, 'class-wall-hand');

    // Readable in both themes, usable from the keyboard, and on a phone.
    const problems: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForFunction((want) => document.documentElement.dataset.theme === want, scheme);
      problems.push(...(await accessibilityProblems(page)).map((p) => `${scheme}: ${p}`));
    }
    const keys = await keyboardProblems(page);
    problems.push(...keys.unreached.map((c) => `Tab never reaches ${c}`), ...keys.invisibleFocus.map((c) => `${c} shows no focus`));
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'class-wall-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(problems).toEqual([]);

    // Request control from the wall: the shadow view asks Sam for the keyboard; he allows; the teacher types.
    await samCard.getByRole('button', { name: 'Request control' }).click();
    await page.waitForURL(`**/#/shadow/term-${samLab.id}/control`);
    const request = sam.page.getByTestId('control-request');
    await request.waitFor({ timeout: 20_000 });
    await request.getByRole('button', { name: 'Allow' }).click();
    await page.waitForFunction(() => window.__autolabs?.status().readOnly === false, undefined, { timeout: 20_000 });
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo helped-$((4*25))\n');
    await waitForTerminal(sam.page, /^helped-100\s*$/m);

    // Back on the wall, a click on Sasha's thumbnail opens her terminal read-only.
    await page.goto(`${app.baseUrl}/#/deployments/${deploymentId}/wall`);
    await sashaCard.getByTestId('wall-thumb').click();
    await page.waitForURL(`**/#/shadow/term-${sashaLab.id}`);
    await page.getByTestId('read-only-banner').waitFor({ timeout: 20_000 });
    await waitForTerminal(page, /^sasha-wall-25\s*$/m);
    // From the keyboard: the card's Shadow link.
    await page.goto(`${app.baseUrl}/#/deployments/${deploymentId}/wall`);
    await samCard.getByRole('link', { name: 'Shadow Sam Student' }).press('Enter');
    await page.waitForURL(`**/#/shadow/term-${samLab.id}`);
  });
});
