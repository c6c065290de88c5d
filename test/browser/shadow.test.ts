import { beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { trpcCall } from './api-steps';
import { login, screenshot, startLabAndOpenTerminal, terminalText, useApp, useBrowser, waitForTerminal, waitForTerminalState } from './harness';

const app = useApp();
const student = useBrowser();
const teacher = useBrowser();

beforeAll(async () => {
  await login(student.page, app, 'student');
  await startLabAndOpenTerminal(student.page, app);
  await login(teacher.page, app, 'teacher');
  await teacher.page.goto(`${app.baseUrl}/#/sessions`);
  await teacher.page.getByRole('cell', { name: /Sam Student|student/ }).first().waitFor({ timeout: 20_000 });
  await screenshot(teacher.page, 'live-sessions');
  await teacher.page.getByRole('link', { name: 'Shadow' }).first().click();
  await waitForTerminalState(teacher.page, 'live');
}, 180_000);

// Each case starts from the same state, whatever ran before it: the teacher watches Sam's live terminal
// read-only (a case that grants control takes it back when it ends).
beforeEach(async () => {
  await waitForTerminalState(teacher.page, 'live');
  await teacher.page.waitForFunction(() => window.__autolabs?.status().readOnly === true, undefined, { timeout: 10_000 });
});

describe('teacher shadowing a student', () => {
  it('shows a read-only banner to the teacher', async () => {
    await teacher.page.getByTestId('read-only-banner').waitFor();
    expect(await teacher.page.evaluate(() => window.__autolabs?.status().readOnly)).toBe(true);
  });

  it("shows the student's typing live on the teacher's screen", async () => {
    await student.page.getByTestId('terminal').click();
    await student.page.keyboard.type('echo shadow-$((6*7))\n');
    await waitForTerminal(student.page, /^shadow-42\s*$/m);
    await waitForTerminal(teacher.page, /^shadow-42\s*$/m, 5000);
    await screenshot(teacher.page, 'shadow');
  });

  it('does not send what the teacher types to the student terminal', async () => {
    await teacher.page.getByTestId('terminal').click();
    await teacher.page.keyboard.type('echo teacher-typed\n');
    // A marker typed by the student afterwards proves the terminal processed everything before it.
    await student.page.getByTestId('terminal').click();
    await student.page.keyboard.type('echo marker-$((1+1))\n');
    await waitForTerminal(student.page, /^marker-2\s*$/m);
    await waitForTerminal(teacher.page, /^marker-2\s*$/m);
    expect(await terminalText(student.page)).not.toContain('teacher-typed');
    expect(await terminalText(teacher.page)).not.toContain('teacher-typed');
  });

  it('lets the teacher type after the student grants a control request', async () => {
    onTestFinished(async () => {
      const revoke = student.page.getByRole('button', { name: 'Revoke' });
      if (await revoke.isVisible()) await revoke.click();
      await teacher.page.waitForFunction(() => window.__autolabs?.status().readOnly === true, undefined, { timeout: 10_000 });
    });
    await teacher.page.getByRole('button', { name: 'Request control' }).click();
    const request = student.page.getByTestId('control-request');
    await request.waitFor({ timeout: 10_000 });
    await screenshot(student.page, 'control-request');
    await request.getByRole('button', { name: 'Allow' }).click();
    await teacher.page.waitForFunction(() => window.__autolabs?.status().readOnly === false, undefined, { timeout: 10_000 });
    await teacher.page.getByTestId('terminal').click();
    await teacher.page.keyboard.type('echo granted-$((2*50))\n');
    await waitForTerminal(student.page, /^granted-100\s*$/m);
  });

  it("replays the recorded session for the teacher with the student's output", async () => {
    await student.page.getByTestId('terminal').click();
    await student.page.keyboard.type('echo replayed-$((8*8))\n');
    await waitForTerminal(student.page, /^replayed-64\s*$/m);
    // The gateway stores recordings in chunks (every 10 s): wait until the stored recording holds the output.
    const newest = async () => (await trpcCall<{ id: string }[]>(teacher.page, app, 'recordings.list', {}))[0]?.id;
    let recordingId = '';
    await expect
      .poll(
        async () => {
          recordingId = (await newest()) ?? '';
          if (!recordingId) return '';
          return (await trpcCall<{ cast: string }>(teacher.page, app, 'recordings.get', { id: recordingId })).cast;
        },
        { timeout: 40_000, interval: 1000 },
      )
      .toContain('replayed-64');
    const page = await teacher.context.newPage();
    onTestFinished(() => page.close());
    await page.goto(`${app.baseUrl}/#/recordings`);
    const replay = page.getByTestId(`recording-${recordingId}`).getByRole('link', { name: 'Replay' });
    await replay.waitFor();
    await screenshot(page, 'recordings');
    await replay.click();
    await page.getByTestId('replay-terminal').waitFor({ timeout: 10_000 }).catch(async (e: unknown) => {
      await screenshot(page, 'failure-replay');
      throw new Error(`replay page shows: ${await page.locator('main').textContent()}`, { cause: e });
    });
    // The player starts as it appears. It plays in real time with idle gaps cut to 3 s: at 8x it soon ends.
    await page.waitForFunction(() => window.__autolabsReplay !== undefined);
    await page.getByLabel('Speed').selectOption('8');
    await page.waitForFunction(() => window.__autolabsReplay?.playing() === false, undefined, { timeout: 30_000 });
    // xterm parses what it is written asynchronously: the player stops before the screen holds its last output.
    await expect.poll(() => page.evaluate(() => window.__autolabsReplay?.terminalText() ?? ''), { timeout: 10_000 }).toMatch(/^replayed-64\s*$/m);
    await screenshot(page, 'replay');
  });
});
