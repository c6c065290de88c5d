import { describe, expect, it } from 'vitest';
import { safeReturnPath } from './return-path';

describe('the path a sign-in returns to', () => {
  it('keeps paths of this origin, with their query and hash route', () => {
    expect(safeReturnPath('/#/terminal/4f1c')).toBe('/#/terminal/4f1c');
    expect(safeReturnPath('/?x=1#/labs')).toBe('/?x=1#/labs');
    expect(safeReturnPath('/')).toBe('/');
  });

  it('sends every other site, and anything unclear, to /', () => {
    for (const attack of [
      'https://evil.example/',
      '//evil.example/path',
      '/\\evil.example',
      '\\\\evil.example',
      '/\t/evil.example',
      'javascript:alert(1)',
      'evil.example',
      ' /#/labs',
      '/%0a/evil',
      `/${'a'.repeat(600)}`,
      undefined,
      ['/#/labs'],
    ]) {
      const path = safeReturnPath(attack);
      expect(new URL(path, 'https://labs.example.edu').origin, String(attack)).toBe('https://labs.example.edu');
      expect(path.startsWith('//')).toBe(false);
    }
    expect(safeReturnPath('https://evil.example/')).toBe('/');
    expect(safeReturnPath('//evil.example/path')).toBe('/');
    expect(safeReturnPath('/\\evil.example')).toBe('/');
  });

  it('does not land on the API itself', () => {
    expect(safeReturnPath('/api/auth/oidc/login')).toBe('/');
    expect(safeReturnPath('/api/trpc/me.get')).toBe('/');
  });
});
