import { describe, expect, it } from 'vitest';
import type { AppError } from '../../errors/app-error';
import { EGRESS_TOOLS, requireTools } from './host-tools';

describe('requireTools', () => {
  it('names the Debian package of the first missing tool: passt for pasta, nftables for nft', () => {
    const missing = EGRESS_TOOLS.map((t) => ({ ...t, path: `/nonexistent${t.path}` }));
    const messages = [missing, missing.slice(1)].map((tools) => {
      try {
        requireTools(tools, ' (the lab asks for internet or allowedEgress)');
        return 'nothing thrown';
      } catch (e) {
        return `${(e as AppError).code}: ${(e as AppError).message}`;
      }
    });
    expect(messages).toEqual([
      'RUNTIME_UNAVAILABLE: /nonexistent/usr/bin/pasta is missing (the lab asks for internet or allowedEgress): install the Debian package "passt"',
      'RUNTIME_UNAVAILABLE: /nonexistent/usr/sbin/nft is missing (the lab asks for internet or allowedEgress): install the Debian package "nftables"',
    ]);
  });
});
