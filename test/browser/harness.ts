/**
 * Shared set-up for browser tests: builds the web app, starts the real embedded AutoLabs (API, gateway,
 * workers, local runtime, web static) as a child process on a free port with a throw-away data dir, and
 * drives Debian's Chromium through playwright-core with a fresh profile per browser.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '@autolabs/common/testing/free-port';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';

/** The page's terminal test hook (web/src/terminal/view/test-hooks.ts). */
declare global {
  interface Window {
    __autolabs?: {
      dropSocket(): void;
      terminalText(tailLines?: number): string;
      status(): { state: string; readOnly: boolean; recording: boolean; reason: string | null; stalled: boolean };
      renderer(): 'webgl' | 'dom';
      size(): { cols: number; rows: number };
      fits(): { cols: number; rows: number } | null;
    };
    __autolabsReplay?: { terminalText(): string; position(): number; playing(): boolean };
  }
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHOTS_DIR = '/tmp/shots';

export interface Account {
  username: string;
  password: string;
}

export interface RunningApp {
  baseUrl: string;
  dataDir: string;
  /** Demo accounts by username: admin, teacher, student, student2. */
  accounts: Record<string, Account>;
  output(): string;
  stop(): Promise<void>;
}

let built = false;

/**
 * Builds web/dist once per test file, so the tests run what `npm start` would serve. The build goes to a
 * folder of its own and then takes web/dist's place: building in place empties web/dist first, and an app
 * of another test run serving from it meanwhile (two runs in one checkout) answered pages without their
 * scripts, so its sign-in form never appeared.
 */
export function buildWeb(): void {
  if (built) return;
  const dist = path.join(ROOT, 'web', 'dist');
  const fresh = `${dist}.build-${process.pid}`;
  const old = `${dist}.old-${process.pid}`;
  // vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  execFileSync('npx', ['vite', 'build', '--logLevel', 'error', '--outDir', fresh, '--emptyOutDir'], {
    cwd: path.join(ROOT, 'web'),
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(fresh, dist);
  rmSync(old, { recursive: true, force: true });
  built = true;
}


const ACCOUNT_LINE = /^\s+(admin|teacher|student|viewer)\s+(\S+) \/ (\S+)\s*$/;

export interface AppOptions {
  timeoutMs?: number;
  /** More environment for the app, over the harness's own (e.g. LOCAL_LAB_IMAGES: 'images' for pod mode). */
  env?: Record<string, string>;
  /**
   * Runs on the fresh data directory before the app starts (e.g. publishes lab images into it); what it
   * resolves with is added to the app's environment (e.g. a database it created).
   */
  prepareDataDir?: (dataDir: string) => Promise<Record<string, string> | void>;
  /** The port to listen on, for a test that must name the app's address before it starts (e.g. to an OIDC provider); default: a free one. */
  port?: number;
}

export async function startApp(opts: AppOptions = {}): Promise<RunningApp> {
  buildWeb();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'autolabs-browser-'));
  let preparedEnv: Record<string, string> = {};
  try {
    preparedEnv = (await opts.prepareDataDir?.(dataDir)) ?? {};
  } catch (e) {
    removeDataDir(dataDir);
    throw e;
  }
  const port = opts.port ?? (await freePort());
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'embedded/src/embedded.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTOLABS_DATA_DIR: dataDir,
      // Platform tests: the host's files stand in for lab images (pod mode has its own tests).
      LOCAL_LAB_IMAGES: 'host',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      DATABASE_URL: '',
      REDIS_URL: '',
      AMQP_URL: '',
      S3_ENDPOINT: '',
      ...opts.env,
      ...preparedEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 15_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    // Pod-mode containers outlive the app (as pods outlive a kubelet); a test that failed mid-lab leaves some.
    await killProcessesOf(dataDir);
    removeDataDir(dataDir);
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  const accounts: Record<string, Account> = {};
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`embedded AutoLabs exited with code ${child.exitCode} before it was ready:\n${output}`);
    }
    const running = /AutoLabs is running on (http:\/\/\S+)/.exec(output);
    if (running) {
      for (const line of output.split('\n')) {
        const m = ACCOUNT_LINE.exec(line);
        if (m) accounts[m[2]] = { username: m[2], password: m[3] };
      }
      if (Object.keys(accounts).length >= 3) break;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`embedded AutoLabs did not start within the deadline:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { baseUrl: `http://127.0.0.1:${port}`, dataDir, accounts, output: () => output, stop };
}

/** SIGKILLs every process whose command line names a path in `dir` (lab sandboxes and their supervisors). */
async function killProcessesOf(dir: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pids = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`${dir}/`);
        } catch {
          return false;
        }
      });
    if (pids.length === 0) return;
    if (Date.now() > deadline) throw new Error(`processes of ${dir} survived SIGKILL: ${pids.join(', ')}`);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export { CHROMIUM_ARGS, openBrowser, type OpenBrowser } from './chromium';
import { openBrowser, type OpenBrowser } from './chromium';

/**
 * The embedded app for a test file: the object returned now is filled in by a beforeAll that starts the
 * app, and the app is stopped after the file's tests. Call at the top level of a test file.
 */
export function useApp(opts: AppOptions & { hookTimeoutMs?: number } = {}): RunningApp {
  const app = {} as RunningApp;
  beforeAll(async () => {
    Object.assign(app, await startApp(opts));
  }, opts.hookTimeoutMs ?? 180_000);
  afterAll(async () => {
    await app.stop?.();
  }, opts.hookTimeoutMs);
  return app;
}

/** A browser for a test file, opened before its tests (after useApp's app when called after it) and closed after them. */
export function useBrowser(opts: { viewport?: { width: number; height: number } } = {}): OpenBrowser {
  const browser = {} as OpenBrowser;
  beforeAll(async () => {
    Object.assign(browser, await openBrowser(opts));
  }, 60_000);
  afterAll(async () => {
    await browser.close?.();
  });
  return browser;
}

export async function login(page: Page, app: RunningApp, username: string): Promise<void> {
  const account = app.accounts[username];
  if (!account) throw new Error(`no demo account ${username}; got ${Object.keys(app.accounts).join(', ')}`);
  await page.goto(`${app.baseUrl}/#/login`);
  await page
    .getByLabel('Username')
    .fill(account.username)
    .catch(async (e: unknown) => {
      const shown = await page.locator('body').innerText().catch(() => '(unreadable)');
      throw new Error(`the sign-in form did not appear at ${page.url()}; the page shows: ${JSON.stringify(shown.slice(0, 500))}`, { cause: e });
    });
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('current-user').waitFor({ state: 'attached' });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS_DIR, `${name}.png`) });
}

/** The text in the page's terminal buffer (the renderer may be a canvas, so the DOM is not used). */
export function terminalText(page: Page): Promise<string> {
  return page.evaluate(() => window.__autolabs?.terminalText() ?? '');
}

/** Waits until the terminal text matches, with the text in the error when it does not. */
export async function waitForTerminal(page: Page, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await terminalText(page);
    if (pattern.test(text)) return text;
    await page.waitForTimeout(50);
  }
  throw new Error(`terminal never matched ${pattern}; it shows:\n${text.slice(-2000)}`);
}

export async function waitForTerminalState(page: Page, state: string, timeoutMs = 20_000): Promise<void> {
  try {
    await page.waitForFunction((want) => window.__autolabs?.status().state === want, state, { timeout: timeoutMs });
  } catch (e) {
    const status = await page.evaluate(() => JSON.stringify(window.__autolabs?.status() ?? null));
    await screenshot(page, 'failure-terminal-state');
    throw new Error(`terminal never reached state ${state}; status: ${status}`, { cause: e });
  }
}

/** From My labs: start the first assignment's lab if needed and open its terminal. */
export async function startLabAndOpenTerminal(page: Page, app: RunningApp, assignmentTitle?: RegExp): Promise<void> {
  await page.goto(`${app.baseUrl}/#/my-labs`);
  const card = assignmentTitle ? page.getByRole('article', { name: assignmentTitle }) : page.getByRole('article').first();
  await card.waitFor();
  const start = card.getByRole('button', { name: /Start lab|Start again/ });
  if (await start.isVisible()) await start.click();
  const open = card.getByRole('link', { name: 'Open terminal' });
  await open.waitFor({ timeout: 60_000 });
  await open.click();
  await waitForTerminalState(page, 'live', 30_000);
}

/** A shell prompt is on the last non-empty line. */
export const PROMPT_AT_END = /[$#>] ?$/;

export function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines[lines.length - 1] ?? '';
}
