import { describe, expect, it } from 'vitest';
import { ipBlockWithout, parseCidr } from './ip-blocks';

const NEVER = ['127.0.0.0/8', '169.254.0.0/16', 'fe80::/10', '::ffff:0:0/96'];

describe('parseCidr', () => {
  it('reads IPv4 and IPv6 (compressed, with a dotted tail) and clears host bits', () => {
    expect(parseCidr('10.1.2.3/8')).toEqual({ v6: false, base: 10n << 24n, prefix: 8 });
    expect(parseCidr('169.254.169.254/32')).toEqual({ v6: false, base: (169n << 24n) | (254n << 16n) | (169n << 8n) | 254n, prefix: 32 });
    expect(parseCidr('fe80::1/10')).toEqual({ v6: true, base: 0xfe80n << 112n, prefix: 10 });
    expect(parseCidr('::ffff:10.0.0.1/128')).toEqual({ v6: true, base: (0xffffn << 32n) | (10n << 24n) | 1n, prefix: 128 });
    expect(parseCidr('::/0')).toEqual({ v6: true, base: 0n, prefix: 0 });
  });
});

describe('ipBlockWithout', () => {
  it('puts every left-out range inside the block into except, in the given order, ignoring the other family', () => {
    expect(ipBlockWithout('0.0.0.0/0', NEVER)).toEqual({ cidr: '0.0.0.0/0', except: ['127.0.0.0/8', '169.254.0.0/16'] });
    expect(ipBlockWithout('::/0', NEVER)).toEqual({ cidr: '::/0', except: ['fe80::/10', '::ffff:0:0/96'] });
    expect(ipBlockWithout('160.0.0.0/4', NEVER)).toEqual({ cidr: '160.0.0.0/4', except: ['169.254.0.0/16'] });
  });

  it('keeps a block that meets no left-out range as it is, without an except key', () => {
    expect(ipBlockWithout('203.0.113.0/24', NEVER)).toEqual({ cidr: '203.0.113.0/24' });
    expect(ipBlockWithout('10.0.0.0/8', NEVER)).toEqual({ cidr: '10.0.0.0/8' });
    expect(ipBlockWithout('2001:db8::/32', NEVER)).toEqual({ cidr: '2001:db8::/32' });
  });

  it('leaves out an unless-inside range only from a block that merely contains it, never dropping the block', () => {
    const PRIVATE = ['10.0.0.0/8', '192.168.0.0/16'];
    expect(ipBlockWithout('0.0.0.0/0', NEVER, PRIVATE)).toEqual({ cidr: '0.0.0.0/0', except: ['127.0.0.0/8', '169.254.0.0/16', '10.0.0.0/8', '192.168.0.0/16'] });
    expect(ipBlockWithout('10.0.0.0/8', NEVER, PRIVATE)).toEqual({ cidr: '10.0.0.0/8' });
    expect(ipBlockWithout('10.20.0.0/16', NEVER, PRIVATE)).toEqual({ cidr: '10.20.0.0/16' });
    expect(ipBlockWithout('169.254.169.254/32', NEVER, ['169.254.0.0/16'])).toBeNull();
  });

  it('drops a block that lies inside a left-out range, or equals one (except must be a strict subset)', () => {
    expect(ipBlockWithout('169.254.169.254/32', NEVER)).toBeNull();
    expect(ipBlockWithout('169.254.0.0/16', NEVER)).toBeNull();
    expect(ipBlockWithout('127.0.0.1/32', NEVER)).toBeNull();
    expect(ipBlockWithout('fe80::1/128', NEVER)).toBeNull();
  });
});
