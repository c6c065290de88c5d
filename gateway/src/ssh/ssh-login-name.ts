/**
 * The SSH login name: `<user>` or `<user>+<lab>`. Checked here, at the edge, before anything is asked:
 * an over-long or malformed name is refused with a message and never reaches the API.
 */
export const MAX_LOGIN_NAME_BYTES = 130;

export type LoginName = { ok: true; username: string; lab: string | null } | { ok: false; message: string };

const USER = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const LAB = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function parseLoginName(name: string): LoginName {
  if (Buffer.byteLength(name) > MAX_LOGIN_NAME_BYTES) return { ok: false, message: `The login name is too long (at most ${MAX_LOGIN_NAME_BYTES} bytes).` };
  const plus = name.indexOf('+');
  const username = (plus < 0 ? name : name.slice(0, plus)).toLowerCase();
  const lab = plus < 0 ? null : name.slice(plus + 1);
  if (!USER.test(username)) return { ok: false, message: 'Log in as your AutoLabs user name, e.g. ssh -p 2222 ada@host.' };
  if (lab !== null && !LAB.test(lab)) return { ok: false, message: 'After the + comes a lab name, e.g. ssh -p 2222 ada+linux-basics@host.' };
  return { ok: true, username, lab };
}
