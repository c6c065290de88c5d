import { GATEWAY_WS_PATH } from '@autolabs/gateway/protocol/wire';

/**
 * The WebSocket URL for a `gatewayUrl` from the server: '' means "same origin" (embedded mode, or the
 * gateway behind the same ingress); an http(s) or ws(s) base without a path gets the standard path.
 */
export function gatewaySocketUrl(gatewayUrl: string, page: { protocol: string; host: string }): string {
  if (!gatewayUrl) {
    const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${page.host}${GATEWAY_WS_PATH}`;
  }
  const url = new URL(gatewayUrl);
  if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.pathname === '/' || url.pathname === '') url.pathname = GATEWAY_WS_PATH;
  return url.toString();
}
