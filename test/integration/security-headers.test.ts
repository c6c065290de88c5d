/**
 * What every HTTP answer tells the browser: the web app's page, its assets, API answers and errors, and
 * the gateway's refusals all forbid framing and MIME sniffing and carry a Content-Security-Policy; the
 * page's policy allows exactly the nonce written into that page, a fresh one each time.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@autolabs/server/app';
import { NONCE_PLACEHOLDER, serveWebApp } from '@autolabs/server/web/serve-web-app';
import { startGateway, type GatewayFixture } from '@autolabs/gateway/testing/gateway-fixture';
import { createHarness, type Harness } from './api-harness';

let h: Harness;
let app: FastifyInstance;
let gw: GatewayFixture;
let webRoot: string;

const PAGE = `<!doctype html><html><head><meta property="csp-nonce" nonce="${NONCE_PLACEHOLDER}">
<script type="module" crossorigin src="/assets/app.js" nonce="${NONCE_PLACEHOLDER}"></script></head><body></body></html>`;

beforeAll(async () => {
  webRoot = await mkdtemp(path.join(os.tmpdir(), 'autolabs-web-'));
  await mkdir(path.join(webRoot, 'assets'));
  await writeFile(path.join(webRoot, 'index.html'), PAGE);
  await writeFile(path.join(webRoot, 'assets', 'app.js'), 'export {};\n');
  h = await createHarness({ database: 'pglite', env: { PUBLIC_URL: 'https://labs.example.edu', GATEWAY_PUBLIC_URL: 'https://gw.example.edu' } });
  app = await buildApp(h.services);
  await serveWebApp(app, { env: h.services.env, root: webRoot });
  gw = await startGateway();
});

afterAll(async () => {
  await app?.close();
  await h?.close();
  await gw?.close();
  await rm(webRoot, { recursive: true, force: true });
});

function expectBaseHeaders(headers: IncomingHttpHeaders | Record<string, unknown>): void {
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(String(headers['content-security-policy'])).toContain("frame-ancestors 'none'");
}

const APP_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' wss://labs.example.edu wss://gw.example.edu; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

describe('security headers of the API process', () => {
  it('serves the page with a fresh nonce each time, allowed by its policy and by nothing else', async () => {
    const first = await app.inject({ method: 'GET', url: '/' });
    const second = await app.inject({ method: 'GET', url: '/' });
    expect(first.statusCode).toBe(200);
    expectBaseHeaders(first.headers);
    expect(first.headers['cache-control']).toBe('no-store');
    const nonce = /<meta property="csp-nonce" nonce="([^"]+)">/.exec(first.body)?.[1] ?? '';
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(first.body).not.toContain(NONCE_PLACEHOLDER);
    expect(first.headers['content-security-policy']).toBe(APP_POLICY.replace("style-src 'self'", `style-src 'self' 'nonce-${nonce}'`));
    expect(second.body).not.toContain(nonce);
  });

  it('answers a client-side route and /index.html with the page, never the file with its placeholder', async () => {
    for (const url of ['/my-labs', '/index.html']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).not.toContain(NONCE_PLACEHOLDER);
      expect(res.headers['content-security-policy'], url).toMatch(/'nonce-[A-Za-z0-9+/]+=*'/);
    }
  });

  it('sends the policy without a nonce with assets, API answers and API errors', async () => {
    for (const [url, status] of [
      ['/assets/app.js', 200],
      ['/api/trpc/me.get', 401],
      ['/api/nothing-here', 404],
      ['/healthz', 200],
    ] as const) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(status);
      expectBaseHeaders(res.headers);
      expect(res.headers['content-security-policy'], url).toBe(APP_POLICY);
    }
  });
});

describe('security headers of the gateway', () => {
  it('refuses a plain GET and a foreign-origin upgrade with nosniff, DENY and a policy that allows nothing', async () => {
    const plain = await fetch(gw.url.replace('ws:', 'http:'));
    expect(plain.status).toBe(404);
    expectBaseHeaders(Object.fromEntries(plain.headers));
    expect(plain.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);

    const ws = new WebSocket(gw.url, { origin: 'https://evil.example' });
    ws.on('error', () => undefined);
    const refusal = await new Promise<{ status: number; headers: IncomingHttpHeaders }>((resolve) =>
      ws.once('unexpected-response', (_req, res) => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
        res.resume();
      }),
    );
    expect(refusal.status).toBe(403);
    expectBaseHeaders(refusal.headers);
  });
});
