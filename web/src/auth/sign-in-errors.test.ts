import { describe, expect, it } from 'vitest';
import { signInError } from './sign-in-errors';

const q = (s: string) => new URLSearchParams(s);

describe('the refused sign-in page', () => {
  it('says what happened and what to do, by code, naming the provider', () => {
    expect(signInError(q('code=OIDC_NO_ROLE'), 'School ID')).toEqual({
      code: 'OIDC_NO_ROLE',
      message: expect.stringContaining('your account there has no AutoLabs role') as string,
    });
    expect(signInError(q('code=OIDC_REFUSED&reason=access_denied'), 'School ID').message).toBe(
      'Sign-in was cancelled or refused at School ID. You are not signed in.',
    );
    expect(signInError(q('code=OIDC_REFUSED&reason=server_error'), null).message).toContain('(it answered server_error)');
    expect(signInError(q('code=OIDC_TOKEN_INVALID&reason=clock'), 'School ID').message).toContain('clocks');
    expect(signInError(q('code=OIDC_STATE_MISMATCH'), null).code).toBe('OIDC_STATE_MISMATCH');
  });

  it('never shows text from the link itself', () => {
    expect(signInError(q('code=<b>hi</b>'), null)).toEqual({ code: 'SIGN_IN_FAILED', message: 'Sign-in did not complete. Start again from the sign-in page.' });
    expect(signInError(q('code=OIDC_REFUSED&reason=<script>'), 'X').message).not.toContain('<script>');
  });
});
