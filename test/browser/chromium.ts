/**
 * Debian's Chromium driven by playwright-core, each browser with a fresh profile: for the browser tests
 * (harness.ts) and the benchmark that measures the terminal in Chromium (bench/browser.ts).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

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
  close(): Promise<void>;
}

/**
 * A Chromium with its own fresh profile (cookies are per user, so each user gets a browser). `cpus`
 * (taskset's list, e.g. "1") keeps the browser and every process it starts on those CPUs.
 */
export async function openBrowser(opts: { viewport?: { width: number; height: number }; cpus?: string } = {}): Promise<OpenBrowser> {
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'autolabs-chromium-'));
  let executablePath = '/usr/bin/chromium';
  if (opts.cpus) {
    executablePath = path.join(userDataDir, 'chromium-pinned');
    writeFileSync(executablePath, `#!/bin/sh\nexec taskset -c ${opts.cpus} /usr/bin/chromium "$@"\n`);
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
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
