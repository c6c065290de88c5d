/** tRPC calls a browser test makes as the page's signed-in user (plain JSON over the page's cookie), and the steps built on them. */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { RunningApp } from './harness';

export async function trpcCall<T>(page: Page, app: RunningApp, path: string, input: unknown, kind: 'query' | 'mutation' = 'query'): Promise<T> {
  const url = `${app.baseUrl}/api/trpc/${path}`;
  const res = kind === 'query' ? await page.request.get(`${url}?input=${encodeURIComponent(JSON.stringify(input))}`) : await page.request.post(url, { data: input });
  expect(res.status(), await res.text()).toBe(200);
  return ((await res.json()) as { result: { data: T } }).result.data;
}

/** As a teacher of Linux 101: uploads `yaml` into the course and assigns it as `title`; returns the lab's id. */
export async function uploadAndAssign(page: Page, app: RunningApp, yaml: string, title: string): Promise<{ labConfigId: string; courseId: string; assignmentId: string }> {
  const courses = await trpcCall<{ id: string; code: string }[]>(page, app, 'courses.list', undefined);
  const courseId = courses.find((c) => c.code === 'LINUX-101')!.id;
  const lab = await trpcCall<{ id: string }>(page, app, 'labs.upload', { yaml, courseId }, 'mutation');
  const assignment = await trpcCall<{ id: string }>(page, app, 'assignments.create', { courseId, labConfigId: lab.id, title }, 'mutation');
  return { labConfigId: lab.id, courseId, assignmentId: assignment.id };
}

export interface ClassStatus {
  instances: { id: string; ownerUserId: string | null; status: string }[];
}

/**
 * As a teacher of Linux 101: uploads and assigns `yaml`, starts it for the class (Sam and Sasha) and waits
 * until both labs run; `status()` reads the deployment again.
 */
export async function startClassLab(page: Page, app: RunningApp, yaml: string, title: string): Promise<{ deploymentId: string; courseId: string; status: () => Promise<ClassStatus> }> {
  const { labConfigId, courseId, assignmentId } = await uploadAndAssign(page, app, yaml, title);
  const started = await trpcCall<{ deployment: { id: string } }>(page, app, 'deployments.start', { labConfigId, courseId, assignmentId }, 'mutation');
  const deploymentId = started.deployment.id;
  const status = () => trpcCall<ClassStatus>(page, app, 'deployments.status', { id: deploymentId });
  await expect.poll(async () => (await status()).instances.map((i) => i.status), { timeout: 120_000, interval: 500 }).toEqual(['running', 'running']);
  return { deploymentId, courseId, status };
}
