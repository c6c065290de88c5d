/**
 * A misconfigured identity provider (issue 11, bad input), in Chromium against the real embedded app and a
 * real OpenID Provider (test/oidc/): each refusal lands on the web app's sign-in error page with a sentence
 * for the person signing in, and the app's log says what to fix. Nobody is signed in.
 * - discovery unreachable (nothing listens at OIDC_ISSUER);
 * - the wrong issuer (the provider answers at OIDC_ISSUER but calls itself by another address);
 * - clocks that disagree (the app's machine 15 minutes ahead: every ID token has expired by its clock).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@autolabs/common/testing/free-port';
import { startZitadelLikeProvider, ZITADEL_ROLES_SCOPE, type ZitadelLikeProvider } from '../oidc/zitadel-like-provider';
import { openBrowser, startApp, type OpenBrowser, type RunningApp } from './harness';

const SKEWED_CLOCK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../oidc/skewed-clock.mjs');

interface Setup {
  app: RunningApp;
  idp: ZitadelLikeProvider;
}

/** The app on a free port, its provider registering that port's callback; `issuer` maps the provider's issuer to what the app is told. */
async function start(opts: { issuer?: (idpIssuer: string) => string; env?: Record<string, string> } = {}): Promise<Setup> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const idp = await startZitadelLikeProvider({
    redirectUri: `${base}/api/auth/oidc/callback`,
    postLogoutRedirectUri: `${base}/`,
    accounts: { ada: { name: 'Ada Student', email: 'ada@school.example', roles: ['student'] } },
  });
  try {
    const app = await startApp({
      port,
      env: {
        PUBLIC_URL: base,
        OIDC_ISSUER: opts.issuer ? opts.issuer(idp.issuer) : idp.issuer,
        OIDC_CLIENT_ID: idp.clientId,
        OIDC_SCOPES: `openid profile email ${ZITADEL_ROLES_SCOPE}`,
        OIDC_PROVIDER_NAME: 'School ID',
        AUTH_BUILTIN: 'off',
        ...opts.env,
      },
    });
    return { app, idp };
  } catch (e) {
    await idp.close();
    throw e;
  }
}

let browser: OpenBrowser;
let running: Setup | null = null;

beforeAll(async () => {
  browser = await openBrowser();
  // Requests to the internet (web fonts) fail at once instead of hanging.
  await browser.context.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => route.abort());
});

afterAll(async () => {
  await browser?.close();
});

async function stop(): Promise<void> {
  await running?.app.stop();
  await running?.idp.close();
  running = null;
}

/** Clicks "Sign in with School ID" (signing in at the provider when it gets that far) and returns the error page's code and text. */
async function signIn(app: RunningApp, atProvider: boolean): Promise<{ code: string | null; text: string }> {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/#/login`);
  await page.getByRole('link', { name: 'Sign in with School ID' }).click();
  if (atProvider) {
    await page.getByPlaceholder('Enter any login').fill('ada');
    await page.getByPlaceholder('and password').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
  }
  const note = page.getByRole('alert');
  await note.waitFor();
  await page.getByRole('heading', { name: 'You are not signed in' }).waitFor();
  expect((await browser.context.cookies(app.baseUrl)).map((c) => c.name)).not.toContain('autolabs_session');
  // The sentence names the provider once the page has read the sign-in options.
  await expect.poll(() => note.textContent()).toContain('School ID');
  return { code: await note.getAttribute('data-code'), text: (await note.textContent()) ?? '' };
}

/** The app's warning for the refused sign-in (its log is JSON lines). */
async function refusalLogged(app: RunningApp): Promise<string> {
  await expect.poll(() => app.output()).toContain('OIDC sign-in refused');
  return app.output().split('\n').find((l) => l.includes('OIDC sign-in refused')) ?? '';
}

describe('a misconfigured identity provider', () => {
  it('discovery unreachable: the page says the provider cannot be reached; the log names the issuer and what to check', async () => {
    const closed = await freePort();
    running = await start({ issuer: () => `http://127.0.0.1:${closed}` });
    try {
      const shown = await signIn(running.app, false);
      expect(shown.code).toBe('OIDC_UNAVAILABLE');
      expect(shown.text).toContain('School ID cannot be reached right now');
      const line = await refusalLogged(running.app);
      expect(line).toContain(`discovery of http://127.0.0.1:${closed}/ failed`);
      expect(line).toContain('ECONNREFUSED');
      expect(line).toContain('OIDC_ISSUER');
    } finally {
      await stop();
    }
  });

  it('the wrong issuer: refused before the browser is sent anywhere; the log gives the issuer the provider names', async () => {
    running = await start({ issuer: (real) => real.replace('127.0.0.1', 'localhost') });
    try {
      const shown = await signIn(running.app, false);
      expect(shown.code).toBe('OIDC_UNAVAILABLE');
      const line = await refusalLogged(running.app);
      expect(line).toContain(`calls itself ${running.idp.issuer};`);
      expect(line).toContain(`set OIDC_ISSUER to ${running.idp.issuer}`);
    } finally {
      await stop();
    }
  });

  it('clocks that disagree: the ID token is refused, the page says the clocks disagree, nobody is signed in', async () => {
    running = await start({ env: { NODE_OPTIONS: `--import=${SKEWED_CLOCK}`, CLOCK_SKEW_S: String(15 * 60) } });
    try {
      const shown = await signIn(running.app, true);
      expect(shown.code).toBe('OIDC_TOKEN_INVALID');
      expect(shown.text).toContain('the clocks of AutoLabs and School ID disagree');
      const line = await refusalLogged(running.app);
      expect(line).toContain('OAUTH_JWT_TIMESTAMP_CHECK_FAILED');
    } finally {
      await stop();
    }
  });
});
