/** Steps on the course pages that several browser tests take as a teacher. */
import type { Page } from 'playwright-core';
import type { RunningApp } from './harness';

/** From the course list: opens Linux 101 and creates an assignment of `labLabel` (as the Lab select shows it) titled `title`. */
export async function createAssignment(page: Page, app: RunningApp, labLabel: string, title: string): Promise<void> {
  await page.goto(`${app.baseUrl}/#/courses`);
  await page.getByRole('link', { name: 'Linux 101' }).click();
  const form = page.getByRole('form', { name: 'New assignment' });
  await form.getByLabel('Lab').selectOption({ label: labLabel });
  await form.getByLabel('Title').fill(title);
  await form.getByRole('button', { name: 'Create assignment' }).click();
  await page.getByRole('cell', { name: title }).waitFor();
}
