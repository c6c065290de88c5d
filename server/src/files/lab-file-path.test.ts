import { describe, expect, it } from 'vitest';
import { AppError } from '@autolabs/common/errors/app-error';
import { labFilePath } from './lab-file-path';

function refusal(raw: unknown): { code: string; field?: string } {
  try {
    labFilePath(raw);
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, field: e.field };
    throw e;
  }
  throw new Error(`accepted ${String(raw)}`);
}

describe('labFilePath', () => {
  it('keeps plain relative paths, normalised', () => {
    expect(labFilePath('notes.txt')).toBe('notes.txt');
    expect(labFilePath('./project//notes.txt')).toBe('project/notes.txt');
    expect(labFilePath('a b/ü.txt')).toBe('a b/ü.txt');
  });

  it('refuses anything that could leave the storage or is not a file name, on the field path', () => {
    for (const bad of ['', '   ', '/etc/passwd', '../x', 'a/../../x', 'a/..', '.', './', 'a\\b', 'a\u0000b', 'x'.repeat(256), 'a/'.repeat(600), undefined, 42]) {
      expect(refusal(bad), String(bad)).toEqual({ code: 'BAD_INPUT', field: 'path' });
    }
  });
});
