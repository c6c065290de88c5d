import { describe, expect, it } from 'vitest';
import { matchPath } from './match-path';

describe('matchPath', () => {
  it('extracts decoded named parameters from a matching path', () => {
    expect(matchPath('/labs/:name/versions', '/labs/web%20lab/versions')).toEqual({ name: 'web lab' });
  });
  it('returns null when a literal segment or the segment count differs', () => {
    expect(matchPath('/labs/:id', '/courses/1')).toBeNull();
    expect(matchPath('/labs/:id', '/labs/1/extra')).toBeNull();
  });
  it('matches the root path with no parameters', () => {
    expect(matchPath('/', '/')).toEqual({});
  });
});
