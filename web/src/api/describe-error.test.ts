import { describe, expect, it } from 'vitest';
import { describeError, humanMessage } from './describe-error';

describe('describeError', () => {
  it('reads the AppError code and field the server puts in a tRPC error', () => {
    const e = Object.assign(new Error('no such course'), { data: { appCode: 'NOT_FOUND', field: 'courseId', code: 'NOT_FOUND' } });
    expect(describeError(e)).toEqual({ code: 'NOT_FOUND', message: 'no such course', field: 'courseId' });
  });
  it('treats a null field as absent', () => {
    const e = Object.assign(new Error('wrong'), { data: { appCode: 'BAD_INPUT', field: null } });
    expect(describeError(e).field).toBeUndefined();
  });
  it('makes a sentence for people of the message: generic ones replaced, a bare code never shown as the message', () => {
    expect(humanMessage({ code: 'NOT_FOUND', message: 'no such lab instance' })).toBe('no such lab instance');
    expect(humanMessage({ code: 'INTERNAL', message: 'internal error' })).toBe('Something went wrong on our side. Try again in a moment.');
    expect(humanMessage({ code: 'QUOTA_EXCEEDED', message: 'QUOTA_EXCEEDED' })).toBe('Something went wrong.');
  });
  it('falls back to INTERNAL with a readable message for anything else', () => {
    expect(describeError(new Error(''))).toEqual({ code: 'INTERNAL', message: 'Something went wrong.', field: undefined });
    expect(describeError('boom')).toEqual({ code: 'INTERNAL', message: 'boom' });
  });
});
