/**
 * Debian's Chromium driven by playwright-core, each browser with a fresh profile: for the browser tests
 * (harness.ts) and the benchmark that measures the terminal in Chromium (bench/browser.ts).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createCpuset } from './cpuset';

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
  let executablePath = '/usr/bin/chromium';
  const cpuset = opts.cpus ? createCpuset(path.basename(userDataDir), opts.cpus) : null;
  if (opts.cpus) {
    executablePath = path.join(userDataDir, 'chromium-pinned');
    const join = cpuset ? `echo $$ > ${cpuset.procsFile}\n` : '';
    writeFileSync(executablePath, `#!/bin/sh\n${join}exec taskset -c ${opts.cpus} /usr/bin/chromium "$@"\n`);
    chmodSync(executablePath, 0o755);
  }
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
    pinnedBy: opts.cpus ? (cpuset ? 'cpuset' : 'taskset') : undefined,
    async close() {
      await context.close();
      await cpuset?.remove();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
