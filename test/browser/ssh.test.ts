/**
 * SSH in the web app, in Chromium against the embedded app: a student adds a key on the SSH keys page
 * (fingerprint as ssh-keygen prints it; a short RSA key refused on its field), the page's known_hosts line
 * is the one OpenSSH then verifies the gateway with, and a teacher shadows in the browser a shell the
 * student types in over SSH.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@autolabs/common/testing/free-port';
import { PtySsh } from '../ssh/pty-ssh';
import { passwordSshArgs, runSshWithPassword } from '../ssh/ssh-password';
import { sshArgs, runSsh, type SshTarget } from '../ssh/ssh-run';
import { generateKey, requireTool } from '../ssh/ssh-tools';
import { login, openBrowser, screenshot, startApp, startLabAndOpenTerminal, waitForTerminal, waitForTerminalState, type OpenBrowser, type RunningApp } from './harness';

let app: RunningApp;
let student: OpenBrowser;
let teacher: OpenBrowser;
let target: SshTarget;
const key = generateKey('ed25519');

beforeAll(async () => {
  requireTool('ssh');
  const sshPort = await freePort();
  app = await startApp({ env: { GATEWAY_SSH_PORT: String(sshPort) } });
  student = await openBrowser();
  teacher = await openBrowser();
  await login(student.page, app, 'student');
  await login(teacher.page, app, 'teacher');
}, 240_000);
afterAll(async () => {
  await student?.close();
  await teacher?.close();
  await app?.stop();
});

describe('SSH in the web app', () => {
  it('adds a key with its fingerprint, refuses a short RSA key on its field, and shows the known_hosts line OpenSSH verifies', async () => {
    const page = student.page;
    await page.goto(`${app.baseUrl}/#/ssh-keys`);
    await page.getByLabel('Public key').fill(generateKey('rsa', 2048).publicLine);
    await page.getByRole('button', { name: 'Add key' }).click();
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.getAttribute('data-code')).toBe('BAD_INPUT');
    expect(await refusal.textContent()).toMatch(/2048 bits.*field: publicKey/);

    await page.getByLabel('Public key').fill(key.publicLine);
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.getByText(`Key added: ${key.fingerprint}`).waitFor();
    await page.getByTestId('ssh-key-test-ed25519').getByText(key.fingerprint).waitFor();
    const command = await page.getByTestId('ssh-command').textContent();
    const knownHostsLine = (await page.getByTestId('ssh-known-hosts').textContent()) ?? '';
    await screenshot(page, 'ssh-keys');
    const port = Number(/-p (\d+) student@127\.0\.0\.1/.exec(command ?? '')?.[1]);
    expect(knownHostsLine).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${port} ssh-ed25519 AAAA`));
    target = { port, hostKey: knownHostsLine.split(' ').slice(1).join(' '), knownHostsLine };
    // With that line pinned, OpenSSH connects (StrictHostKeyChecking=yes): the page showed the real key.
    const r = await runSsh(target, key.file, 'student', 'true');
    expect(r.stderr).toMatch(/no lab running/);
  });

  it('lets a teacher shadow in Chromium a shell the student types in over SSH', async () => {
    await startLabAndOpenTerminal(student.page, app);
    // The student leaves the browser terminal: the shell is theirs over SSH only.
    await student.page.goto(`${app.baseUrl}/#/ssh-keys`);
    const ssh = new PtySsh(sshArgs(target, key.file, 'student'), { cols: 100, rows: 30 });
    ssh.type('echo over-ssh-$((6*7))\r');
    await ssh.waitFor(/over-ssh-42/);
    await teacher.page.goto(`${app.baseUrl}/#/sessions`);
    await teacher.page.getByRole('link', { name: 'Shadow' }).first().click();
    await waitForTerminalState(teacher.page, 'live');
    await waitForTerminal(teacher.page, /over-ssh-42/);
    ssh.type('echo typed-over-ssh-$((7*7))\r');
    await waitForTerminal(teacher.page, /^typed-over-ssh-49\s*$/m, 10_000);
    await screenshot(teacher.page, 'shadow-ssh');
    ssh.type('exit\r');
    expect(await ssh.exited).toBe(0);
  });

  it('reveals a one-time SSH password on the lab card and on the terminal page, and OpenSSH logs in with it once', async () => {
    const page = student.page;
    await page.goto(`${app.baseUrl}/#/my-labs`);
    const card = page.getByRole('article').first();
    await card.getByRole('button', { name: 'SSH password' }).click();
    const panel = card.getByRole('status', { name: 'SSH password' });
    const command = (await panel.getByTestId('ssh-password-command').textContent()) ?? '';
    const password = (await panel.getByTestId('ssh-password').textContent()) ?? '';
    const knownHostsLine = (await panel.getByTestId('ssh-password-known-hosts').textContent()) ?? '';
    await screenshot(page, 'ssh-password-card');
    await student.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.baseUrl });
    await panel.getByRole('button', { name: 'Copy' }).click();
    await panel.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(password);
    const [, port, login] = /^ssh -p (\d+) (student\+[a-z0-9-]+)@127\.0\.0\.1$/.exec(command) ?? [];
    expect(Number(port)).toBe(target.port);
    expect(password).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    // The panel's known_hosts line is what OpenSSH verifies the gateway with.
    const pinned: SshTarget = { port: Number(port), hostKey: '', knownHostsLine };
    const r = await runSshWithPassword(pinned, login, password, 'echo "in $(hostname) as $(id -un)"');
    expect(r).toMatchObject({ code: 0, stdout: 'in linux-basics as student\n' });
    const again = await runSshWithPassword(pinned, login, password, 'true');
    expect(again.code).toBe(255);
    expect(again.stderr).toMatch(/Permission denied: wrong username or password/);

    // From the terminal page: a new password, typed at OpenSSH's prompt, opens the shell the browser shows.
    await card.getByRole('link', { name: 'Open terminal' }).click();
    await waitForTerminalState(page, 'live', 30_000);
    await page.getByRole('button', { name: 'SSH password' }).click();
    const fresh = (await page.getByTestId('ssh-password').textContent()) ?? '';
    expect(fresh).not.toBe(password);
    const ssh = new PtySsh(passwordSshArgs(pinned, login), { cols: 100, rows: 30 });
    await ssh.waitFor(/password: $/);
    ssh.type(`${fresh}\r`);
    await ssh.waitFor(/student@linux-basics/);
    ssh.type('echo typed-with-password-$((8*8))\r');
    await waitForTerminal(page, /^typed-with-password-64\s*$/m);
    await screenshot(page, 'ssh-password-terminal');
    ssh.type('exit\r');
    expect(await ssh.exited).toBe(0);
  });
});
