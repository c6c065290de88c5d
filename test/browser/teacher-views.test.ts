/**
 * What a teacher tells apart (issue 10, "teachers cannot tell things apart"): Live sessions names the lab,
 * course and door of each of a student's terminals; Recordings name student, lab and course, and a recording
 * with a long pause plays as long as the list says.
 */
import { describe, expect, it } from 'vitest';
import { login, screenshot, startLabAndOpenTerminal, useApp, useBrowser, waitForTerminal } from './harness';

const app = useApp();
const teacher = useBrowser();
const sam = useBrowser();

describe('live sessions and recordings for a teacher', () => {
  it("shows each of a student's live terminals with its lab, course and door", async () => {
    await login(sam.page, app, 'student');
    await startLabAndOpenTerminal(sam.page, app, /Linux basics/);
    const second = await sam.context.newPage();
    await startLabAndOpenTerminal(second, app, /Network analysis/);

    const { page } = teacher;
    await login(page, app, 'teacher');
    await page.goto(`${app.baseUrl}/#/sessions`);
    const linux = page.getByRole('row', { name: /Linux basics/ });
    const network = page.getByRole('row', { name: /Network analysis/ });
    await page.getByRole('row', { name: /Sam Student/ }).first().waitFor();
    await screenshot(page, 'live-sessions');
    await linux.waitFor({ timeout: 5000 });
    await network.waitFor({ timeout: 5000 });
    for (const row of [linux, network]) {
      const text = (await row.textContent()) ?? '';
      expect(text).toContain('Sam Student');
      expect(text).toContain('LINUX-101');
      expect(text).toContain('browser');
    }
    await second.close();
  }, 180_000);

  it('lists a finished recording with student, lab and course, and plays it as long as the list says despite a long pause', async () => {
    // A pause longer than the player's 3 s idle cap, then the shell ends, which ends the recording.
    await sam.page.keyboard.type('echo begin; sleep 7; echo finished-now; exit\n');
    await waitForTerminal(sam.page, /finished-now/, 30_000);

    const { page } = teacher;
    await page.goto(`${app.baseUrl}/#/recordings`);
    const row = page.getByRole('row', { name: /Sam Student.*Linux basics/ });
    const duration = row.getByTestId('recording-duration');
    // The recording is indexed when its gateway announces the end: reload until the row has its length.
    await expect
      .poll(
        async () => {
          await page.reload();
          await row.waitFor({ timeout: 10_000 }).catch(() => undefined);
          return (await duration.textContent().catch(() => null)) ?? '';
        },
        { timeout: 60_000, interval: 500 },
      )
      .toMatch(/^\d+:\d\d$/);
    const listed = (await duration.textContent()) ?? '';
    expect(await row.textContent()).toContain('LINUX-101');
    await screenshot(page, 'recordings');

    await row.getByRole('link', { name: 'Replay' }).click();
    await page.getByTestId('replay-terminal').waitFor();
    const time = page.locator('.player-time');
    await expect.poll(async () => ((await time.textContent()) ?? '').split('/')[1]?.trim(), { timeout: 10_000 }).toBe(listed);
    // It plays through the pause and ends on the last output.
    await page.waitForFunction(() => window.__autolabsReplay?.terminalText().includes('finished-now'), undefined, { timeout: 30_000 });
  }, 180_000);
});
