import { describe, expect, it } from 'vitest';
import { parseLoginName } from './ssh-login-name';

describe('parseLoginName', () => {
  it('reads a user, or a user and a lab after the plus', () => {
    expect(parseLoginName('ada')).toEqual({ ok: true, username: 'ada', lab: null });
    expect(parseLoginName('Ada+linux-basics')).toEqual({ ok: true, username: 'ada', lab: 'linux-basics' });
  });
  it('refuses names that are too long, empty or not ours, with a message saying what to type', () => {
    expect(parseLoginName('a'.repeat(200))).toMatchObject({ ok: false, message: expect.stringMatching(/too long/) });
    expect(parseLoginName('')).toMatchObject({ ok: false, message: expect.stringMatching(/user name/) });
    expect(parseLoginName('ada+')).toMatchObject({ ok: false, message: expect.stringMatching(/lab name/) });
    expect(parseLoginName('ada+../x')).toMatchObject({ ok: false });
    expect(parseLoginName('root;ls')).toMatchObject({ ok: false });
  });
});
