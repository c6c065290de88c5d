/**
 * The web app under its Content-Security-Policy, in Chromium: every page is delivered with the policy
 * (no framing, scripts and styles from this origin, inline styles only with the page's nonce), and
 * signing in, the labs page and a live terminal (xterm's own <style> elements included) run without a
 * single violation reported by the browser.
 */
import type { Response } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { login, startLabAndOpenTerminal, useApp, useBrowser, waitForTerminal } from './harness';

const app = useApp();
const browser = useBrowser();

interface Violation {
  directive: string;
  blocked: string;
  sample: string;
  page: string;
}
const violations: Violation[] = [];
const cspConsole: string[] = [];
const documents: { url: string; policy: string | null }[] = [];

beforeAll(async () => {
  const { page } = browser;
  await page.exposeFunction('__reportCspViolation', (v: Violation) => violations.push(v));
  // The first terminal on the WebGL renderer (auto would pick DOM here, where WebGL is drawn in software):
  // each renderer puts its own <style> elements in the page, and both must keep to the policy.
  await page.addInitScript(() => localStorage.setItem('autolabs.terminal.renderer', 'webgl'));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __reportCspViolation: (v: unknown) => void }).__reportCspViolation;
      report({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, page: location.href });
    });
  });
  page.on('console', (m) => {
    if (/content security policy/i.test(m.text())) cspConsole.push(m.text());
  });
  page.on('response', (res: Response) => {
    if (res.request().resourceType() === 'document') documents.push({ url: res.url(), policy: res.headers()['content-security-policy'] ?? null });
  });
}, 60_000);

describe('the web app under its Content-Security-Policy', () => {
  it('signs in, shows the labs page and runs a live terminal without one CSP violation', async () => {
    const { page } = browser;
    await login(page, app, 'student');
    await page.getByRole('article').first().waitFor();
    await startLabAndOpenTerminal(page, app);
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo csp-$((40+2))\n');
    await waitForTerminal(page, /^csp-42\s*$/m);

    expect(documents.length).toBeGreaterThan(0);
    for (const d of documents) {
      expect(d.policy, d.url).toMatch(/frame-ancestors 'none'/);
      expect(d.policy, d.url).toMatch(/script-src 'self';/);
      expect(d.policy, d.url).toMatch(/style-src 'self' 'nonce-[A-Za-z0-9+/]+=*';/);
      expect(d.policy, d.url).not.toContain('unsafe-inline');
    }
    expect(violations).toEqual([]);
    expect(cspConsole).toEqual([]);

    // xterm's <style> elements are in the page, carry the nonce, and were applied.
    const styles = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLStyleElement>('.xterm style')].map((s) => ({ nonce: s.nonce !== '', applied: s.sheet !== null })),
    );
    expect(styles.length).toBeGreaterThan(0);
    expect(styles).toEqual(styles.map(() => ({ nonce: true, applied: true })));
  }, 180_000);

  it('keeps to the policy on the DOM renderer, whose theme and cell size are inline <style> elements', async () => {
    const { page } = browser;
    expect(await page.evaluate(() => window.__autolabs?.renderer())).toBe('webgl');
    await page.evaluate(() => {
      for (const canvas of document.querySelectorAll<HTMLCanvasElement>('.xterm-screen canvas')) canvas.getContext('webgl2')?.getExtension('WEBGL_lose_context')?.loseContext();
    });
    await page.waitForFunction(() => window.__autolabs?.renderer() === 'dom', undefined, { timeout: 10_000 });
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo dom-$((40+2))\n');
    await page.locator('.xterm-rows').getByText('dom-42', { exact: true }).waitFor();
    // The rows take their colour from the theme's <style>: applied, so not the browser's default black.
    expect(await page.locator('.xterm-rows').evaluate((rows) => getComputedStyle(rows).color)).toBe('rgb(216, 222, 233)');
    expect(violations).toEqual([]);
    expect(cspConsole).toEqual([]);
  });
});
