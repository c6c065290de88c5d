/**
 * The lab's instructions beside the terminal (issue 10 point 2): the lab's Markdown rendered safely (a
 * hostile description runs nothing and injects no markup), in a split the student resizes by dragging
 * and by the keyboard and collapses, remembered per lab, with the terminal refitting to what is left;
 * stacked on a 390 px phone. A failing check shows the teacher's hint, as safe Markdown too; the SSH
 * details show how to reach this lab from a terminal of one's own; files go in (with progress) and out.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { trpcCall, uploadAndAssign } from './api-steps';
import { login, openBrowser, screenshot, startLabAndOpenTerminal, useApp, useBrowser, waitForTerminal, waitForTerminalState } from './harness';

const app = useApp();
const browser = useBrowser();

const HOSTILE_LAB = `apiVersion: autolabs.io/v1
kind: Lab
metadata:
  name: hostile-notes
  title: Hostile notes
  description: |
    ## Your task

    Run \`ls -l\` and read [the manual](https://man7.org/linux/man-pages/man1/ls.1.html).

    <script>window.__pwned = 'script'</script>
    <img src="x" onerror="window.__pwned = 'img'">
    <div style="position:fixed;inset:0" onclick="window.__pwned = 'div'">overlay</div>

    [click me](javascript:window.__pwned='link') and [this too](JaVaScRiPt:alert(1))
    ![diagram](javascript:alert(2))
spec:
  containers:
    - name: shell
      image: autolabs/linux-basics:latest
      terminal: true
  checks:
    - name: done file exists
      command: [test, -f, /home/student/done.txt]
      hint: "Create it with \`touch ~/done.txt\`, see [touch](https://man7.org/linux/man-pages/man1/touch.1.html). <script>window.__pwned = 'hint'</script> [x](javascript:window.__pwned='hint-link')"
    - name: always passes
      command: ['true']
      hint: Never shown, since this check passes.
`;

let dialogs = 0;
let sentSize: { cols: number; rows: number } | null = null;

beforeAll(async () => {
  const teacher = await openBrowser();
  try {
    await login(teacher.page, app, 'teacher');
    await uploadAndAssign(teacher.page, app, HOSTILE_LAB, 'Hostile notes');
  } finally {
    await teacher.close();
  }
  browser.page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  // The size the page last told the gateway (its hello, then its resizes), read off the wire.
  browser.page.on('websocket', (ws) => {
    ws.on('framesent', ({ payload }) => {
      if (typeof payload !== 'string') return;
      const m = JSON.parse(payload) as { type?: string; cols?: number; rows?: number };
      if ((m.type === 'hello' || m.type === 'resize') && m.cols && m.rows) sentSize = { cols: m.cols, rows: m.rows };
    });
  });
  await login(browser.page, app, 'student');
  await startLabAndOpenTerminal(browser.page, app, /Hostile notes/);
}, 180_000);


const instructions = (page: Page) => page.getByRole('region', { name: 'Instructions' });
const terminalCols = (page: Page) => page.evaluate(() => window.__autolabs?.size().cols ?? 0);

/**
 * `stty size` in the lab says what xterm shows: the PTY was resized too. Read once the refit is done: the
 * terminal refits on the animation frame after its frame changes, so right after a drag xterm may still
 * show a size the frame no longer fits; it is settled when it shows what its frame fits and the page has
 * sent that size to the gateway.
 */
async function expectShellSize(page: Page): Promise<void> {
  let size = { cols: 0, rows: 0 };
  await expect
    .poll(async () => {
      const now = await page.evaluate(() => ({ shows: window.__autolabs!.size(), fits: window.__autolabs!.fits() }));
      size = now.shows;
      return JSON.stringify([now.fits, sentSize]) === JSON.stringify([size, size]);
    })
    .toBe(true);
  await page.getByTestId('terminal').click();
  await page.keyboard.type('clear; stty size\n');
  await waitForTerminal(page, new RegExp(`^${size.rows} ${size.cols}\\s*$`, 'm'));
}

describe('the lab instructions beside the terminal', () => {
  it("shows the lab's Markdown beside the terminal, and nothing of a hostile description runs or becomes markup", async () => {
    const { page } = browser;
    const box = instructions(page);
    await box.getByRole('heading', { name: 'Your task' }).waitFor();
    await screenshot(page, 'lab-instructions');
    expect(await box.locator('code').first().textContent()).toBe('ls -l');
    expect(await box.getByRole('link', { name: 'the manual' }).getAttribute('href')).toBe('https://man7.org/linux/man-pages/man1/ls.1.html');
    // The author's HTML is shown as text, never made into elements; unsafe links keep their words only.
    await box.getByText("<script>window.__pwned = 'script'</script>").waitFor();
    expect(await box.locator('script, img, style, iframe, [onerror], [onclick], [style]').count()).toBe(0);
    expect(await box.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['https://man7.org/linux/man-pages/man1/ls.1.html']);
    await box.getByText('click me').click();
    expect(await page.evaluate(() => (window as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(dialogs).toBe(0);

    // Beside the terminal, not above it.
    const side = (await box.boundingBox())!;
    const term = (await page.locator('.term-frame').boundingBox())!;
    expect(side.x + side.width).toBeLessThanOrEqual(term.x);
  });

  it('resizes by dragging and by the keyboard, the terminal refitting each time, and remembers the split and its collapse for the lab', async () => {
    const { page } = browser;
    const handle = page.getByRole('separator', { name: 'Resize instructions' });
    const before = await terminalCols(page);
    const grip = (await handle.boundingBox())!;
    await page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
    await page.mouse.down();
    await page.mouse.move(grip.x + 250, grip.y + grip.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => terminalCols(page)).toBeLessThan(before);
    await expectShellSize(page);

    const dragged = Number(await handle.getAttribute('aria-valuenow'));
    const afterDrag = await terminalCols(page);
    await handle.focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(Number(await handle.getAttribute('aria-valuenow'))).toBe(dragged - 10);
    await expect.poll(() => terminalCols(page)).toBeGreaterThan(afterDrag);
    await expectShellSize(page);

    // Collapsed, the terminal takes the width; after a reload the lab page opens as it was left.
    const open = await terminalCols(page);
    await instructions(page).getByRole('button', { name: 'Hide' }).click();
    await expect.poll(() => terminalCols(page)).toBeGreaterThan(open);
    await page.reload();
    await waitForTerminalState(page, 'live', 30_000);
    await page.getByRole('button', { name: 'Show instructions' }).click();
    expect(Number(await page.getByRole('separator', { name: 'Resize instructions' }).getAttribute('aria-valuenow'))).toBe(dragged - 10);
    expect(await page.evaluate(() => localStorage.getItem('autolabs.lab-split.hostile-notes'))).toBe(JSON.stringify({ size: dragged - 10, collapsed: false }));
  });

  it("shows a failing check's hint, written by the teacher, as safe Markdown under it, and no hint under a passing check", async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Check my work' }).click();
    const panel = page.getByRole('status', { name: 'Check results' });
    await panel.getByText('1 of 2 checks passed').waitFor({ timeout: 30_000 });
    const failing = panel.locator('li.check-fail');
    await expect.poll(() => failing.locator('.check-why').textContent()).toMatch(/A hint from your teacher:/);
    const hint = failing.locator('.check-hint');
    expect(await hint.locator('code').textContent()).toBe('touch ~/done.txt');
    expect(await hint.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['https://man7.org/linux/man-pages/man1/touch.1.html']);
    await hint.getByText("<script>window.__pwned = 'hint'</script>").waitFor();
    expect(await hint.locator('script, [onerror], [onclick]').count()).toBe(0);
    expect(await page.evaluate(() => (window as { __pwned?: string }).__pwned)).toBeUndefined();
    await screenshot(page, 'lab-check-hint');
    expect(await panel.locator('li.check-ok .check-hint').count()).toBe(0);
    expect(await panel.getByText('Never shown').count()).toBe(0);
    await panel.getByRole('button', { name: 'Close' }).click();
  });

  it('shows the SSH details on the lab page: host, port, the exact command for this lab through the front door and its known_hosts line', async () => {
    const { page } = browser;
    const access = await trpcCall<{ port: number; hostKey: string; username: string }>(page, app, 'sshKeys.access', undefined);
    await page.getByRole('button', { name: 'SSH details' }).click();
    const panel = page.getByRole('region', { name: 'SSH details' });
    await panel.getByTestId('ssh-front-door-command').waitFor();
    await screenshot(page, 'lab-ssh-details');
    expect(await panel.getByTestId('ssh-front-door-command').textContent()).toBe(`ssh -p ${access.port} student+hostile-notes@127.0.0.1`);
    expect(await panel.getByTestId('ssh-front-door-known-hosts').textContent()).toBe(`[127.0.0.1]:${access.port} ${access.hostKey}`);
    expect(await panel.locator('dd').allTextContents()).toEqual(expect.arrayContaining(['127.0.0.1', String(access.port)]));
    await panel.getByRole('button', { name: 'Close' }).click();
    expect(await panel.count()).toBe(0);
  });

  it('uploads a file into the lab storage with its progress, the shell sees it, and downloads it back; a path outside is refused', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Files', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Files' });
    const up = panel.getByRole('form', { name: 'Upload a file' });
    const text = 'uploaded through the page\n'.repeat(4000);
    await up.getByLabel('File to upload').setInputFiles({ name: 'hello.txt', mimeType: 'text/plain', buffer: Buffer.from(text) });
    await up.getByLabel('Save as').fill('uploads/hello.txt');
    await up.getByRole('button', { name: 'Upload', exact: true }).click();
    await panel.getByText('Uploaded to uploads/hello.txt in your lab storage.').waitFor();
    expect(await up.getByRole('status').textContent()).toContain('100%');
    expect(await up.getByLabel('Upload progress').evaluate((p) => (p as HTMLProgressElement).value)).toBe(1);
    await screenshot(page, 'lab-files');
    await page.getByTestId('terminal').click();
    await page.keyboard.type('clear; wc -l < ~/uploads/hello.txt\n');
    await waitForTerminal(page, /^4000\s*$/m);

    const down = panel.getByRole('form', { name: 'Download a file' });
    await down.getByLabel('Path').fill('uploads/hello.txt');
    const [download] = await Promise.all([page.waitForEvent('download'), down.getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toBe('hello.txt');
    expect(readFileSync((await download.path())!, 'utf8')).toBe(text);

    await up.getByLabel('Save as').fill('../outside.txt');
    await up.getByRole('button', { name: 'Upload', exact: true }).click();
    const alert = panel.getByRole('alert');
    await alert.waitFor();
    expect(await alert.getAttribute('data-code')).toBe('BAD_INPUT');
    expect(await alert.locator('strong').textContent()).toMatch(/inside your lab storage/);
    await panel.getByRole('button', { name: 'Close' }).click();
  });

  it('stacks the instructions above the terminal on a 390 px phone, nothing wider than the screen', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      const box = instructions(page);
      await box.getByRole('heading', { name: 'Your task' }).waitFor();
      await screenshot(page, 'lab-instructions-390');
      const side = (await box.boundingBox())!;
      const term = (await page.locator('.term-frame').boundingBox())!;
      expect(side.y + side.height).toBeLessThanOrEqual(term.y);
      expect(term.height).toBeGreaterThanOrEqual(150);
      expect(await page.getByRole('separator', { name: 'Resize instructions' }).getAttribute('aria-orientation')).toBe('horizontal');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      const keys = await page.locator('.keybar button').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().bottom));
      expect(Math.max(...keys)).toBeLessThanOrEqual(844);
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });
});
