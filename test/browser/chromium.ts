/**
 * Debian's Chromium driven by playwright-core, each browser with a fresh profile: for the browser tests
 * (harness.ts) and the benchmark that measures the terminal in Chromium (bench/browser.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { pinnedChromium } from './cpuset';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface OpenBrowser {
  context: BrowserContext;
  page: Page;
  /** With `cpus`: how the browser is held there ('cpuset': no thread can leave; 'taskset': threads may). */
  pinnedBy?: 'cpuset' | 'taskset';
  close(): Promise<void>;
}

/**
 * A Chromium with its own fresh profile (cookies are per user, so each user gets a browser). `cpus`
 * (taskset's list, e.g. "1") keeps the browser and every process it starts on those CPUs: in a cpuset
 * cgroup where this machine allows one (cpuset.ts: taskset alone lets software GL's threads leave).
 */
export async function openBrowser(opts: { viewport?: { width: number; height: number }; cpus?: string } = {}): Promise<OpenBrowser> {
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'autolabs-chromium-'));
  const { command: executablePath, cpuset, pinnedBy } = pinnedChromium(userDataDir, opts.cpus);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: opts.viewport ?? { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    pinnedBy: pinnedBy ?? undefined,
    async close() {
      await context.close();
      await cpuset?.remove();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
