import { describe, expect, it } from 'vitest';
import { resolveHosts } from './resolve-hosts';

describe('resolveHosts', () => {
  it('looks each distinct host up once and returns its addresses sorted and without duplicates', async () => {
    const asked: string[] = [];
    const table: Record<string, string[]> = { 'deb.debian.org': ['151.101.66.132', '151.101.2.132', '151.101.2.132'] };
    const result = await resolveHosts(['deb.debian.org', 'nowhere.invalid', 'deb.debian.org'], async (host) => {
      asked.push(host);
      return table[host] ?? [];
    });
    expect(asked).toEqual(['deb.debian.org', 'nowhere.invalid']);
    expect(result).toEqual({ 'deb.debian.org': ['151.101.2.132', '151.101.66.132'], 'nowhere.invalid': [] });
  });
});
