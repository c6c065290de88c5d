/**
 * SSH in the web app, in Chromium against the embedded app: a student adds a key on the SSH keys page
 * (fingerprint as ssh-keygen prints it; a short RSA key refused on its field), the page's known_hosts line
 * is the one OpenSSH then verifies the gateway with, and a teacher shadows in the browser a shell the
 * student types in over SSH.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@autolabs/server/infra/testing/free-port';
import { PtySsh } from '../ssh/pty-ssh';
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
});
