import { describe, expect, it } from 'vitest';
import { ownerKeyOf, slug } from './slugs';

describe('slugs', () => {
  it('lowercases, replaces unsafe characters and trims dashes', () => {
    expect(slug('  Ana María_O\'Neil!! ')).toBe('ana-mar-a-o-neil');
    expect(slug('---')).toBe('x');
    expect(slug('a'.repeat(60)).length).toBe(40);
  });

  it('names owners by user, then group, else shared', () => {
    expect(ownerKeyOf({ owner: { username: 'Alice' }, group: null })).toBe('u-alice');
    expect(ownerKeyOf({ owner: null, group: { name: 'Team Red' } })).toBe('g-team-red');
    expect(ownerKeyOf({ owner: null, group: null })).toBe('shared');
  });
});
