/**
 * The headers that tell a browser what an AutoLabs response may do, set on every response of every
 * process: no framing (clickjacking), no MIME sniffing, no Referer (URLs name courses and labs), and a
 * Content-Security-Policy under which the web app runs and an injected script or plugin does not.
 *
 * The web app needs nothing inline except the <style> elements xterm.js creates for its theme and cell
 * size; those carry the page's nonce (index.html gets a fresh one per response, web/serve-web-app.ts, and
 * the page stamps it on the <style> elements it creates, web/src/terminal/view/style-nonce.ts), so style-src
 * needs no 'unsafe-inline'. React sets styles through the CSSOM, which CSP does not govern.
 */
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Env } from '../config/env';

export const BASE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** For responses that are never a page (the gateway's JSON and refusals): nothing loads, nothing frames. */
export const NOTHING_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The web app's policy. connect-src is 'self' (tRPC; CSP Level 3 browsers also match same-host ws/wss
 * with it) plus the socket origins of PUBLIC_URL (same-origin terminals) and GATEWAY_PUBLIC_URL (a
 * gateway on its own host), spelled out for browsers that do not. `styleNonce` is the nonce of the page
 * this policy is sent with (none: no inline styles at all).
 */
export function contentSecurityPolicy(env: Pick<Env, 'PUBLIC_URL' | 'GATEWAY_PUBLIC_URL'>, styleNonce?: string): string {
  const sockets = [env.PUBLIC_URL, env.GATEWAY_PUBLIC_URL].filter((u): u is string => !!u).map(socketOrigin);
  const connect = ["'self'", ...new Set(sockets)];
  const style = ["'self'", ...(styleNonce ? [`'nonce-${styleNonce}'`] : [])];
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src ${style.join(' ')}`,
    "img-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The ws(s) origin browsers use for a URL: https -> wss, http -> ws (web/src/terminal/transport/gateway-url.ts). */
function socketOrigin(url: string): string {
  const u = new URL(url);
  const scheme = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  return `${scheme}//${u.host}`;
}

/**
 * Sets the base headers and `policy` on every response of `app` (and of the plugins registered in it
 * later), unless the handler set its own (the web app's page sets its policy with its nonce).
 */
export function addSecurityHeaders<L extends FastifyBaseLogger>(
  app: FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, L>,
  policy: string,
): void {
  const headers = { ...BASE_SECURITY_HEADERS, 'content-security-policy': policy };
  app.addHook('onSend', async (_req, reply, payload) => {
    for (const [name, value] of Object.entries(headers)) if (!reply.hasHeader(name)) reply.header(name, value);
    return payload;
  });
}
