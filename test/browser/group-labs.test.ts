/**
 * A group lab from the teacher's first click to two students working in it, all in Chromium against the
 * embedded app: the teacher uploads a per_group lab, makes a group of two and assigns the lab; one student
 * starts it and writes a file; the other finds the same lab already running and reads that file from
 * their own terminal.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { login, openBrowser, screenshot, startLabAndOpenTerminal, useApp, waitForTerminal, type OpenBrowser } from './harness';

const app = useApp();
const browsers: OpenBrowser[] = [];

afterAll(async () => {
  for (const b of browsers) await b.close();
});

async function browserFor(username: string): Promise<OpenBrowser> {
  const b = await openBrowser();
  browsers.push(b);
  await login(b.page, app, username);
  return b;
}

const TEAM_LAB_YAML = readFileSync(new URL('../../lab-configs/linux-basics.yaml', import.meta.url), 'utf8')
  .replace('name: linux-basics', 'name: team-basics')
  .replace(/title: .*/, 'title: Team basics')
  .replace('mode: per_student', 'mode: per_group');

describe('a per_group lab in the browser', () => {
  it('is set up by the teacher, started by one member and shared, files included, with the other', async () => {
    const { page: teacher } = await browserFor('teacher');
    await teacher.goto(`${app.baseUrl}/#/labs`);
    await teacher.getByLabel('Lab YAML').fill(TEAM_LAB_YAML);
    await teacher.getByRole('button', { name: 'Upload' }).click();
    await teacher.getByText('Uploaded team-basics version 1.').waitFor();

    await teacher.goto(`${app.baseUrl}/#/courses`);
    await teacher.getByRole('link', { name: 'Linux 101' }).click();
    const groups = teacher.getByRole('region', { name: 'Groups' });
    const newGroup = groups.getByRole('form', { name: 'New group' });
    await newGroup.getByLabel('Name').fill('Team Red');
    await newGroup.getByRole('button', { name: 'Create group' }).click();
    const addForm = groups.getByRole('form', { name: 'Add a student to Team Red' });
    for (const label of ['Sam Student (student)', 'Sasha Student (student2)']) {
      await groups.getByLabel('Student to add to Team Red').selectOption({ label });
      await addForm.getByRole('button', { name: 'Add' }).click();
      await groups.getByRole('list', { name: 'Members of Team Red' }).getByText(label.replace(/ \(.*/, '')).waitFor();
    }
    const assignment = teacher.getByRole('form', { name: 'New assignment' });
    await assignment.getByLabel('Lab').selectOption({ label: 'Team basics (team-basics v1)' });
    await assignment.getByLabel('Title').fill('Team lab');
    await assignment.getByRole('button', { name: 'Create assignment' }).click();
    await teacher.getByRole('cell', { name: 'Team lab' }).waitFor();

    const { page: sam } = await browserFor('student');
    await startLabAndOpenTerminal(sam, app, /Team lab/);
    await sam.keyboard.type('echo from-sam > ~/team.txt && echo written-$((40+2))\n');
    await waitForTerminal(sam, /written-42/);

    const { page: sasha } = await browserFor('student2');
    await sasha.goto(`${app.baseUrl}/#/my-labs`);
    const card = sasha.getByRole('article', { name: /Team lab/ });
    // Already running: Sam started it for the group; Sasha gets no Start button, only the terminal.
    await card.getByRole('link', { name: 'Open terminal' }).waitFor({ timeout: 30_000 });
    expect(await card.textContent()).toContain('with your group');
    expect(await card.getByRole('button', { name: /Start lab|Start again/ }).count()).toBe(0);
    await startLabAndOpenTerminal(sasha, app, /Team lab/);
    await sasha.keyboard.type('cat ~/team.txt; echo read-$((40+3))\n');
    const text = await waitForTerminal(sasha, /read-43/);
    expect(text).toContain('from-sam');
    // Each member has their own shell: what Sasha typed is not on Sam's screen.
    expect(await sam.evaluate(() => window.__autolabs?.terminalText() ?? '')).not.toContain('read-43');
    await screenshot(sasha, 'group-lab-shared-file');
  });
});
