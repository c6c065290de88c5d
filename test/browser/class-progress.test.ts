/**
 * Class progress on the deployment card (issue 10 point 4), as a teacher sees it: the teacher starts a lab
 * with two checks for the class; Sam checks his work once (both fail), then puts the file in place; Sasha's
 * lab is stopped. On the card's Progress view the teacher finds Sam's failed attempt, runs the checks for
 * the class and sees Sam's checks pass (still one attempt of his own) and Sasha's lab reported as not
 * running; the CSV downloaded says the same.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startClassLab, trpcCall } from './api-steps';
import { login, screenshot, useApp, useBrowser } from './harness';

const PROGRESS_LAB = `apiVersion: autolabs.io/v1
kind: Lab
metadata:
  name: progress-quiz
  title: Progress quiz
spec:
  mode: per_student
  containers:
    - name: shell
      image: autolabs/linux-basics:latest
      terminal: true
  storage:
    size: 64Mi
    mountPath: /home/student
  checks:
    - name: notes file exists
      command: [test, -f, /home/student/notes.txt]
    - name: notes say hello
      command: [cat, /home/student/notes.txt]
      expect: { stdoutContains: hello }
`;

const app = useApp();
const teacher = useBrowser();
const sam = useBrowser();

describe('class progress', () => {
  it('shows each student’s checks, runs them for the class, reports a stopped lab as not running, and downloads the CSV', async () => {
    const { page } = teacher;
    await login(page, app, 'teacher');
    const { courseId, status } = await startClassLab(page, app, PROGRESS_LAB, 'Progress quiz');

    // Sam checks once before doing the work, then puts the file in place through Files' route.
    await login(sam.page, app, 'student');
    const samId = (await trpcCall<{ id: string }>(sam.page, app, 'me.get', undefined)).id;
    const instances = (await status()).instances;
    const samLab = instances.find((i) => i.ownerUserId === samId)!;
    const sashaLab = instances.find((i) => i.ownerUserId !== samId)!;
    const first = await trpcCall<{ passed: number }>(sam.page, app, 'instances.check', { id: samLab.id }, 'mutation');
    expect(first.passed).toBe(0);
    const put = await sam.page.request.put(`${app.baseUrl}/api/instances/${samLab.id}/files?path=notes.txt`, {
      data: Buffer.from('hello class\n'),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(put.status(), await put.text()).toBe(201);

    // Sasha's lab stops.
    await trpcCall(page, app, 'instances.stop', { id: sashaLab.id }, 'mutation');
    await expect.poll(async () => (await status()).instances.find((i) => i.id === sashaLab.id)?.status, { timeout: 60_000, interval: 500 }).toBe('stopped');

    // The teacher opens the deployment's progress.
    await page.goto(`${app.baseUrl}/#/deployments?course=${courseId}`);
    const card = page.getByRole('article', { name: 'Deployment of Progress quiz' });
    await card.getByRole('button', { name: 'Progress' }).click();
    const table = card.getByRole('table', { name: 'Class progress' });
    const samRow = table.getByRole('row', { name: /Sam Student/ });
    const sashaRow = table.getByRole('row', { name: /Sasha Student/ });
    await samRow.waitFor();
    expect(await table.getByRole('columnheader').allTextContents()).toEqual(['Student', 'Lab', 'notes file exists', 'notes say hello']);
    expect(await samRow.getByRole('cell').allInnerTexts()).toEqual(['Sam Student', 'Running', expect.stringMatching(/^Failed\n.+\n1 attempt$/), expect.stringMatching(/^Failed\n.+\n1 attempt$/)]);
    expect(await sashaRow.getByRole('cell').allInnerTexts()).toEqual(['Sasha Student', 'Stopped', 'Not checked\n0 attempts', 'Not checked\n0 attempts']);

    // Checks for the class: Sam's pass (his own attempts stay at one), Sasha's lab is not running.
    await card.getByRole('button', { name: 'Run checks for the class' }).click();
    const summary = card.getByRole('status').filter({ hasText: 'Checks run for the class at' });
    await summary.waitFor({ timeout: 60_000 });
    expect(await summary.innerText()).toMatch(/1 of 1 running lab checked\.\nNot running, not checked: Sasha Student \(stopped\)$/);
    await expect.poll(() => samRow.getByRole('cell').allInnerTexts()).toEqual(['Sam Student', 'Running', expect.stringMatching(/^Passed\n.+\n1 attempt$/), expect.stringMatching(/^Passed\n.+\n1 attempt$/)]);
    expect(await sashaRow.getByRole('cell').allInnerTexts()).toEqual(['Sasha Student', 'Stopped', 'Not checked\n0 attempts', 'Not checked\n0 attempts']);
    await screenshot(page, 'class-progress');

    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^progress-progress-quiz-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(lines[0]).toBe(
      'student,username,lab status,notes file exists: passed,notes file exists: last run,notes file exists: attempts,notes say hello: passed,notes say hello: last run,notes say hello: attempts',
    );
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^Sam Student,student,running,yes,\d{4}-[^,]+Z,1,yes,\d{4}-[^,]+Z,1$/),
      'Sasha Student,student2,stopped,,,0,,,0',
      '',
    ]);
  });
});
