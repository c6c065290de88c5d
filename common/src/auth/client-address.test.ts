import { describe, expect, it } from 'vitest';
import { counterAddress } from './client-address';

describe('counterAddress', () => {
  it('counts an IPv4 client by its address, also when a dual-stack socket reports it mapped into IPv6', () => {
    expect(counterAddress('198.51.100.7')).toBe('198.51.100.7');
    expect(counterAddress('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(counterAddress('::FFFF:198.51.100.7')).toBe('198.51.100.7');
  });

  it('counts every address of one IPv6 /64 as one client, however the address is written', () => {
    const written = ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:0:0:9', '2001:DB8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::c633:6407'];
    for (const ip of written) expect(counterAddress(ip), ip).toBe('2001:db8:1:2::/64');
    expect(counterAddress('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
  });

  it('expands the shortest forms and zone ids of IPv6 addresses', () => {
    expect(counterAddress('::1')).toBe('0:0:0:0::/64');
    expect(counterAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(counterAddress('2001:db8::')).toBe('2001:db8:0:0::/64');
  });
});
