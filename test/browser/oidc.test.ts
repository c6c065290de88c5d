/**
 * OIDC sign-in in Chromium against a real OpenID Provider (panva's oidc-provider, configured like Zitadel:
 * its discovery, its project-roles claim, PKCE required, RP-initiated logout; test/oidc/), with built-in
 * accounts turned off. The embedded app runs the flow: the browser ends up with the same HttpOnly session
 * cookie as the built-in login, tRPC accepts it, logout ends it here and at the provider, and every refusal
 * (cancelled at the provider, no role, a tampered or replayed state) lands on the web app's error page.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@autolabs/common/testing/free-port';
import { startZitadelLikeProvider, ZITADEL_ROLES_SCOPE, type ZitadelLikeProvider } from '../oidc/zitadel-like-provider';
import { openBrowser, startApp, type OpenBrowser, type RunningApp } from './harness';

const ACCOUNTS = {
  ada: { name: 'Ada Student', email: 'ada@school.example', roles: ['student'] },
  grace: { name: 'Grace Teacher', email: 'grace@school.example', roles: ['teacher'] },
  nobody: { name: 'No Role', email: 'nobody@school.example', roles: [] },
};

const CALLBACK_PATH = '/api/auth/oidc/callback';

let app: RunningApp;
let idp: ZitadelLikeProvider;

beforeAll(async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  idp = await startZitadelLikeProvider({ redirectUri: `${base}/api/auth/oidc/callback`, postLogoutRedirectUri: `${base}/`, accounts: ACCOUNTS });
  app = await startApp({
    port,
    env: {
      PUBLIC_URL: base,
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: idp.clientId,
      OIDC_SCOPES: `openid profile email ${ZITADEL_ROLES_SCOPE}`,
      OIDC_PROVIDER_NAME: 'School ID',
      AUTH_BUILTIN: 'off',
    },
  });
}, 180_000);

afterAll(async () => {
  await app?.stop();
  await idp?.close();
});

/** A fresh browser whose requests to the internet (web fonts) fail at once instead of hanging. */
async function freshBrowser(): Promise<OpenBrowser> {
  const browser = await openBrowser();
  await browser.context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
  return browser;
}

/** From the app's login page to the provider's login form. */
async function startSignIn(page: Page, hashRoute = '/login'): Promise<void> {
  await page.goto(`${app.baseUrl}/#${hashRoute}`);
  await page.getByRole('link', { name: 'Sign in with School ID' }).click();
  await page.getByPlaceholder('Enter any login').waitFor();
}

async function signInAtProvider(page: Page, login: string): Promise<void> {
  await page.getByPlaceholder('Enter any login').fill(login);
  await page.getByPlaceholder('and password').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

async function sessionCookie(context: BrowserContext) {
  const cookie = (await context.cookies(app.baseUrl)).find((c) => c.name === 'autolabs_session');
  if (!cookie) throw new Error('no autolabs_session cookie in the browser');
  return cookie;
}

/** me.get with a cookie, from outside the browser. */
async function meWith(token: string): Promise<{ status: number; body: { result?: { data?: Record<string, unknown> } } }> {
  const res = await fetch(`${app.baseUrl}/api/trpc/me.get`, { headers: { cookie: `autolabs_session=${token}` } });
  return { status: res.status, body: (await res.json()) as { result?: { data?: Record<string, unknown> } } };
}

async function expectErrorPage(page: Page, code: string, sentence: RegExp): Promise<void> {
  const note = page.getByRole('alert');
  await note.waitFor();
  expect(await note.getAttribute('data-code')).toBe(code);
  await expect.poll(() => note.textContent()).toMatch(sentence);
  expect(await page.getByRole('heading', { name: 'You are not signed in' }).isVisible()).toBe(true);
}

describe('OIDC sign-in in the browser', () => {
  it('offers only "Sign in with School ID" when built-in accounts are off, and the password route refuses a right password', async () => {
    const browser = await freshBrowser();
    try {
      await browser.page.goto(`${app.baseUrl}/#/login`);
      await browser.page.getByRole('link', { name: 'Sign in with School ID' }).waitFor();
      expect(await browser.page.getByLabel('Username').count()).toBe(0);
      expect(await browser.page.getByLabel('Password').count()).toBe(0);
    } finally {
      await browser.close();
    }
    const demo = app.accounts.teacher;
    const res = await fetch(`${app.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: demo.username, password: demo.password }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('BUILTIN_LOGIN_OFF');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('signs a student in with the role from the Zitadel roles claim, back where they were heading; the cookie is the built-in one and works for tRPC; logout ends both sessions', async () => {
    const browser = await freshBrowser();
    const { page, context } = browser;
    try {
      await startSignIn(page, '/ssh-keys');
      await signInAtProvider(page, 'ada');
      await page.getByTestId('current-user').waitFor();
      expect(await page.getByTestId('current-user').textContent()).toBe('Ada Student');
      expect(await page.locator('.user-box .role').textContent()).toBe('student');
      await page.waitForURL(/#\/ssh-keys$/);

      const cookie = await sessionCookie(context);
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      const me = await meWith(cookie.value);
      expect(me.status).toBe(200);
      expect(me.body.result?.data).toMatchObject({ username: 'ada', role: 'student', email: 'ada@school.example' });

      // Sign out: ended here, then at the provider (its confirmation page), and back to the app's sign-in.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await page.getByRole('link', { name: 'Sign in with School ID' }).waitFor();
      expect(page.url().startsWith(`${app.baseUrl}/`)).toBe(true);
      expect((await meWith(cookie.value)).status).toBe(401);
      expect(await idp.sessions()).toBe(0);
      // The provider asks for the password again: its session ended too.
      await page.getByRole('link', { name: 'Sign in with School ID' }).click();
      await page.getByPlaceholder('Enter any login').waitFor();
    } finally {
      await browser.close();
    }
  });

  it('signs a teacher in as a teacher, with the teacher\'s pages', async () => {
    const browser = await freshBrowser();
    const { page, context } = browser;
    try {
      await startSignIn(page);
      await signInAtProvider(page, 'grace');
      await page.getByTestId('current-user').waitFor();
      expect(await page.locator('.user-box .role').textContent()).toBe('teacher');
      await page.getByRole('link', { name: 'Live sessions' }).waitFor();
      const me = await meWith((await sessionCookie(context)).value);
      expect(me.body.result?.data).toMatchObject({ username: 'grace', role: 'teacher', displayName: 'Grace Teacher' });
    } finally {
      await browser.close();
    }
  });

  it('shows the clear page when the user cancels at the provider (access_denied)', async () => {
    const browser = await freshBrowser();
    try {
      await startSignIn(browser.page);
      await browser.page.getByRole('link', { name: '[ Cancel ]' }).click();
      await expectErrorPage(browser.page, 'OIDC_REFUSED', /cancelled or refused at School ID/);
      expect((await browser.context.cookies(app.baseUrl)).map((c) => c.name)).not.toContain('autolabs_session');
    } finally {
      await browser.close();
    }
  });

  it('refuses a user whose claim names no AutoLabs role, with the clear page and no session', async () => {
    const browser = await freshBrowser();
    try {
      await startSignIn(browser.page);
      await signInAtProvider(browser.page, 'nobody');
      await expectErrorPage(browser.page, 'OIDC_NO_ROLE', /has no AutoLabs role/);
      expect((await browser.context.cookies(app.baseUrl)).map((c) => c.name)).not.toContain('autolabs_session');
      await browser.page.getByRole('link', { name: 'Back to sign-in' }).click();
      await browser.page.getByRole('link', { name: 'Sign in with School ID' }).waitFor();
    } finally {
      await browser.close();
    }
  });

  it('refuses a callback whose state was tampered with or that reaches a browser which did not start it, and never uses a state twice', async () => {
    const browser = await freshBrowser();
    const { page, context } = browser;
    const signedIn = async () => (await context.cookies(app.baseUrl)).some((c) => c.name === 'autolabs_session');
    const requests: URL[] = [];
    page.on('request', (r) => requests.push(new URL(r.url())));
    /** The sealed flow cookie (state, nonce, PKCE verifier), as an attacker holding this browser's cookies would replay it. */
    const flowCookie = async () => {
      const flow = (await context.cookies(`${app.baseUrl}${CALLBACK_PATH}`)).find((c) => c.name === 'autolabs_oidc_flow');
      expect(flow).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: CALLBACK_PATH });
      return flow!;
    };
    try {
      await startSignIn(page);
      const state = requests.find((u) => u.origin === idp.issuer && u.searchParams.has('state'))?.searchParams.get('state');
      expect(state).toBeTruthy();
      await flowCookie();
      await page.goto(`${app.baseUrl}${CALLBACK_PATH}?code=forged&state=${state}x&iss=${encodeURIComponent(idp.issuer)}`);
      await expectErrorPage(page, 'OIDC_STATE_MISMATCH', /does not match one started in this browser/);
      // The refusal cleared the flow cookie: the right state now reaches a browser that holds no sign-in.
      await page.goto(`${app.baseUrl}${CALLBACK_PATH}?code=forged&state=${state}&iss=${encodeURIComponent(idp.issuer)}`);
      await expectErrorPage(page, 'OIDC_STATE_MISMATCH', /does not match one started in this browser/);
      expect(await signedIn()).toBe(false);

      // A genuine sign-in works once...
      requests.length = 0;
      await startSignIn(page);
      const flow = await flowCookie();
      await signInAtProvider(page, 'ada');
      await page.getByTestId('current-user').waitFor();
      expect(await signedIn()).toBe(true);
      const genuine = requests.find((u) => u.pathname === CALLBACK_PATH);
      expect(genuine?.searchParams.get('code')).toBeTruthy();

      // ...and never twice, even with its flow cookie put back.
      await context.clearCookies({ name: 'autolabs_session' });
      await context.addCookies([flow]);
      await page.goto(genuine!.href);
      await expectErrorPage(page, 'OIDC_STATE_MISMATCH', /does not match one started in this browser/);
      expect(await signedIn()).toBe(false);
    } finally {
      await browser.close();
    }
  });
});
