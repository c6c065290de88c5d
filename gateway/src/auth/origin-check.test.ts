import { describe, expect, it } from 'vitest';
import { originAllowed } from './origin-check';

describe('originAllowed', () => {
  it('allows the same origin as the gateway host', () => {
    expect(originAllowed('http://localhost:3000', 'localhost:3000', [], false)).toBe(true);
    expect(originAllowed('https://labs.example.edu', 'labs.example.edu', [], true)).toBe(true);
  });

  it('allows a configured origin, ignoring a trailing slash', () => {
    expect(originAllowed('https://app.example.edu', 'gw.example.edu', ['https://app.example.edu/'], true)).toBe(true);
  });

  it('refuses another site, a scheme downgrade and a garbage origin', () => {
    expect(originAllowed('https://evil.example', 'labs.example.edu', ['https://app.example.edu'], true)).toBe(false);
    expect(originAllowed('http://labs.example.edu', 'labs.example.edu', [], true)).toBe(false);
    expect(originAllowed('null', 'labs.example.edu', [], true)).toBe(false);
  });

  it('allows clients that send no Origin (not a browser page)', () => {
    expect(originAllowed(undefined, 'labs.example.edu', [], true)).toBe(true);
  });
});
