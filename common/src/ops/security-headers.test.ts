import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from './security-headers';

const BASE = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:";
const TAIL = "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

describe('contentSecurityPolicy', () => {
  it('allows only this origin when no public URL is configured (embedded on localhost)', () => {
    expect(contentSecurityPolicy({})).toBe(`${BASE}; connect-src 'self'; ${TAIL}`);
  });

  it("adds the socket origin of PUBLIC_URL and of GATEWAY_PUBLIC_URL, in the scheme browsers use (https -> wss)", () => {
    expect(contentSecurityPolicy({ PUBLIC_URL: 'https://labs.example.edu/', GATEWAY_PUBLIC_URL: 'https://gw.example.edu:8443/gateway' })).toBe(
      `${BASE}; connect-src 'self' wss://labs.example.edu wss://gw.example.edu:8443; ${TAIL}`,
    );
    expect(contentSecurityPolicy({ GATEWAY_PUBLIC_URL: 'ws://127.0.0.1:3001' })).toBe(`${BASE}; connect-src 'self' ws://127.0.0.1:3001; ${TAIL}`);
  });

  it('names an origin once when the gateway shares the public host', () => {
    expect(contentSecurityPolicy({ PUBLIC_URL: 'https://labs.example.edu', GATEWAY_PUBLIC_URL: 'wss://labs.example.edu' })).toBe(
      `${BASE}; connect-src 'self' wss://labs.example.edu; ${TAIL}`,
    );
  });

  it("lets styles carrying the page's nonce apply, and nothing else inline", () => {
    const policy = contentSecurityPolicy({}, 'bm9uY2U=');
    expect(policy).toContain("style-src 'self' 'nonce-bm9uY2U='");
    expect(policy).not.toContain('unsafe');
  });
});
