/**
 * One-time SSH passwords with Debian's OpenSSH client against the embedded app's front door, password
 * authentication only (no key tried), host key pinned to the line the reveal answers with: a student
 * without a key reveals a password for their running lab and lands in it, once; the same password again,
 * a wrong one and theirs under another account are refused with the password message; a password typed
 * at OpenSSH's prompt in a terminal opens the live shell; keys keep working beside passwords.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@autolabs/common/testing/free-port';
import { startApp, type RunningApp } from '../browser/harness';
import { signIn, startLab, type AppUser } from '../ssh/app-client';
import { PtySsh } from '../ssh/pty-ssh';
import { passwordSshArgs, runSshWithPassword } from '../ssh/ssh-password';
import { runSsh, type SshTarget } from '../ssh/ssh-run';
import { generateKey, requireTool } from '../ssh/ssh-tools';

interface Revealed {
  login: string;
  port: number;
  hostKey: string;
  password: string;
  expiresAt: string;
}

let app: RunningApp;
let target: SshTarget;
let student: AppUser;
let instanceId: string;

const reveal = () => student.mutate<Revealed>('sshPasswords.reveal', { instanceId });
const PASSWORD_REFUSED = /Permission denied: wrong username or password \(a one-time lab password opens one login within 30 minutes/;

beforeAll(async () => {
  requireTool('ssh');
  const sshPort = await freePort();
  app = await startApp({ env: { GATEWAY_SSH_PORT: String(sshPort) } });
  student = await signIn(app.baseUrl, 'student', app.accounts.student.password);
  instanceId = await startLab(student, 'linux-basics');
  const { port, hostKey } = await reveal();
  target = { port, hostKey };
}, 240_000);

afterAll(async () => {
  await app?.stop();
});

describe('one-time SSH passwords (embedded app, OpenSSH client, password authentication)', () => {
  it('lands in the student\'s lab with a revealed password, once; the same password again is refused', async () => {
    const { login, password, port } = await reveal();
    expect({ login, port }).toEqual({ login: 'student+linux-basics', port: target.port });
    const r = await runSshWithPassword(target, login, password, 'echo "in $(hostname) as $(id -un)"; exit 3');
    expect(r).toMatchObject({ code: 3, stdout: 'in linux-basics as student\n' });

    const again = await runSshWithPassword(target, login, password, 'echo should-not-run');
    expect({ code: again.code, stdout: again.stdout }).toEqual({ code: 255, stdout: '' });
    expect(again.stderr).toMatch(PASSWORD_REFUSED);
  });

  it('refuses a wrong password and the student\'s password under another account, and a new password replaces the old', async () => {
    const old = await reveal();
    const { password } = await reveal();
    for (const [login, tried] of [
      ['student+linux-basics', 'wrong-password-entirely'],
      ['student+linux-basics', old.password],
      ['student2', password],
    ] as const) {
      const r = await runSshWithPassword(target, login, tried, 'id -un');
      expect({ login, code: r.code, stdout: r.stdout }).toEqual({ login, code: 255, stdout: '' });
      expect(r.stderr).toMatch(PASSWORD_REFUSED);
    }
    // None of that spent the new password.
    expect((await runSshWithPassword(target, 'student', password, 'hostname')).stdout).toBe('linux-basics\n');
  });

  it('opens the live shell in a terminal when the password is typed at OpenSSH\'s prompt', async () => {
    const { login, password } = await reveal();
    const ssh = new PtySsh(passwordSshArgs(target, login), { cols: 90, rows: 25 });
    await ssh.waitFor(/password: $/);
    ssh.type(`${password}\r`);
    // OpenSSH discards what is typed while it reads the password: type on once the shell's prompt shows.
    await ssh.waitFor(/student@linux-basics/);
    ssh.type('echo typed-$((6*7)); stty size\r');
    await ssh.waitFor(/typed-42\r\n25 90\r\n/);
    ssh.type('exit\r');
    expect(await ssh.exited).toBe(0);
  });

  it('keeps keys working beside passwords', async () => {
    const key = generateKey('ed25519');
    await student.mutate('sshKeys.add', { name: 'later', publicKey: key.publicLine });
    expect(await runSsh(target, key.file, 'student+linux-basics', 'hostname')).toMatchObject({ code: 0, stdout: 'linux-basics\n' });
  });

  it('audits reveals and logins without the password', async () => {
    const { login, password } = await reveal();
    await runSshWithPassword(target, login, password, 'true');
    const admin = await signIn(app.baseUrl, 'admin', app.accounts.admin.password);
    const { entries } = await admin.query<{ entries: { action: string; outcome: string; detail: Record<string, unknown> | null }[] }>('admin.audit', { limit: 200 });
    expect(entries.some((e) => e.action === 'sshPasswords.reveal' && e.outcome === 'success')).toBe(true);
    expect(entries.some((e) => e.action === 'ssh.login' && e.outcome === 'success' && e.detail?.password === 'one-time' && e.detail?.instanceId === instanceId)).toBe(true);
    expect(entries.some((e) => e.action === 'ssh.login' && e.outcome === 'denied' && e.detail?.method === 'password')).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(password);
    expect(app.output()).not.toContain(password);
  });
});
