import { describe, expect, it } from 'vitest';
import { sessionEventOf } from './session-events';

const failure = (appCode: string) => ({ error: { message: 'x', code: -32001, data: { appCode } } });

describe('sessionEventOf', () => {
  it('reads a signed-out session and a required password change from a single answer or a batch', () => {
    expect(sessionEventOf(failure('UNAUTHENTICATED'))).toBe('signed-out');
    expect(sessionEventOf([{ result: { data: 1 } }, failure('PASSWORD_CHANGE_REQUIRED')])).toBe('password-change-required');
  });

  it('ignores other failures, successes and bodies that are not tRPC answers', () => {
    expect(sessionEventOf(failure('FORBIDDEN'))).toBeNull();
    expect(sessionEventOf([{ result: { data: { appCode: 'UNAUTHENTICATED' } } }])).toBeNull();
    for (const body of [null, 'text', 42, [], { error: null }]) expect(sessionEventOf(body)).toBeNull();
  });
});
