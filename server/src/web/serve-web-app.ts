/**
 * The built web app (web/dist) as the API and embedded processes serve it: assets as static files, and
 * index.html for `/` and every client-side route, each time with a fresh CSP nonce. xterm.js writes its
 * theme and cell size into <style> elements; the page stamps this nonce on them (web/src/terminal/view/style-nonce.ts)
 * and the policy sent with the page allows exactly that nonce, so no inline style needs 'unsafe-inline'.
 * The nonce is only as secret as the page is fresh: the page is never cached.
 */
import fastifyStatic from '@fastify/static';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Env } from '@autolabs/common/config/env';
import { contentSecurityPolicy } from '@autolabs/common/ops/security-headers';

/** Where `npm run -w web build` puts the app. */
export const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** What web/vite.config.ts (html.cspNonce) writes where the nonce goes: on tags and in a meta element. */
export const NONCE_PLACEHOLDER = '__CSP_NONCE__';

export interface WebAppOptions {
  env: Pick<Env, 'PUBLIC_URL' | 'GATEWAY_PUBLIC_URL'>;
  /** The built app: index.html and its assets (default WEB_DIST). */
  root?: string;
}

/** Serves the app from `root`; false (and a warning) when it is not built. */
export async function serveWebApp(app: FastifyInstance, opts: WebAppOptions): Promise<boolean> {
  const root = opts.root ?? WEB_DIST;
  const index = path.join(root, 'index.html');
  if (!existsSync(index)) {
    app.log.warn({ webDist: root }, 'web app not built: run `npm run -w web build` (npm start does it)');
    return false;
  }
  const page = await readFile(index, 'utf8');
  // index.html is never served as a file: only with a nonce filled in.
  await app.register(fastifyStatic, { root, wildcard: false, index: false, globIgnore: ['index.html'] });

  const sendPage = (reply: FastifyReply) => {
    const nonce = randomBytes(16).toString('base64');
    return reply
      .header('content-security-policy', contentSecurityPolicy(opts.env, nonce))
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(page.replaceAll(NONCE_PLACEHOLDER, nonce));
  };
  app.get('/', (_req, reply) => sendPage(reply));
  // The web app routes on the client: unknown GETs outside the API and the gateway get the page.
  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && !req.url.startsWith('/api/') && !req.url.startsWith('/gateway/')) return sendPage(reply);
    return reply.code(404).send({ code: 'NOT_FOUND', message: 'not found' });
  });
  return true;
}
