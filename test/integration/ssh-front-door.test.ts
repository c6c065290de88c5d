/**
 * The gateway's SSH front door in the embedded app (`npm start`), driven by Debian's OpenSSH client with
 * the host key pinned to the line the web app shows, BatchMode and keys from ssh-keygen: a student's key
 * lands in their running lab, commands keep their exit status, the PTY follows window changes, an SSH
 * login and a browser terminal share one live shell, and nobody gets into a lab that is not theirs.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { freePort } from '@autolabs/common/testing/free-port';
import { startApp, type RunningApp } from '../browser/harness';
import { signIn, startLab, type AppUser } from '../ssh/app-client';
import { PtySsh } from '../ssh/pty-ssh';
import { sshArgs, runSsh, type SshTarget } from '../ssh/ssh-run';
import { generateKey, requireTool, type KeyPair } from '../ssh/ssh-tools';

let app: RunningApp;
let target: SshTarget;
let student: AppUser;
let studentKey: KeyPair;
let student2Key: KeyPair;
let instanceId: string;

beforeAll(async () => {
  requireTool('ssh');
  const sshPort = await freePort();
  app = await startApp({ env: { GATEWAY_SSH_PORT: String(sshPort) } });
  student = await signIn(app.baseUrl, 'student', app.accounts.student.password);
  const access = await student.query<{ port: number; hostKey: string; username: string }>('sshKeys.access');
  expect(access.port).toBe(sshPort);
  target = { port: access.port, hostKey: access.hostKey };
  studentKey = generateKey('ed25519');
  await student.mutate('sshKeys.add', { name: 'laptop', publicKey: studentKey.publicLine });
  const student2 = await signIn(app.baseUrl, 'student2', app.accounts.student2.password);
  student2Key = generateKey('ecdsa');
  await student2.mutate('sshKeys.add', { name: 'theirs', publicKey: student2Key.publicLine });
  instanceId = await startLab(student, 'linux-basics');
}, 240_000);

afterAll(async () => {
  await app?.stop();
});

describe('SSH front door (embedded app, OpenSSH client)', () => {
  it('runs a command in the student\'s lab with its output and exit status, host key pinned', async () => {
    const r = await runSsh(target, studentKey.file, 'student', 'echo "in $(hostname) as $(id -un)"; exit 7');
    expect(r).toMatchObject({ code: 7, stdout: 'in linux-basics as student\n' });
    expect((await runSsh(target, studentKey.file, 'student', 'true')).code).toBe(0);
  });

  it('opens the live shell in a PTY that follows window changes', async () => {
    const ssh = new PtySsh(sshArgs(target, studentKey.file, 'student'), { cols: 100, rows: 30 });
    ssh.type('stty size\r');
    await ssh.waitFor(/(?<!\d)30 100\r\n/);
    ssh.resize(120, 40);
    // The resize reaches the shell through the hub; ask until it shows (no fixed sleep).
    for (let i = 0; ; i++) {
      ssh.type('stty size\r');
      try {
        await ssh.waitFor(/(?<!\d)40 120\r\n/, 1000);
        break;
      } catch (e) {
        if (i > 10) throw e;
      }
    }
    ssh.type('exit\r');
    expect(await ssh.exited).toBe(0);
  });

  it('shares one live shell between an SSH login and the browser terminal: keystrokes from either show in both', async () => {
    const ssh = new PtySsh(sshArgs(target, studentKey.file, 'student'), { cols: 100, rows: 30 });
    ssh.type('echo ssh-$((6*7))-ready\r');
    await ssh.waitFor(/ssh-42-ready/);
    const { ticket } = await student.mutate<{ ticket: string }>('sessions.terminalTicket', { instanceId });
    const browser = await WireClient.connect({ url: `${app.baseUrl.replace('http', 'ws')}/gateway/ws`, ticket, origin: app.baseUrl });
    ssh.type('echo from-ssh-$((7*7))\r');
    await browser.waitForText('from-ssh-49');
    browser.type('echo from-web-$((8*8))\r');
    await ssh.waitFor(/from-web-64/);
    // Both are the owner's windows on the shell: neither replaced the other.
    expect(browser.controls.some((m) => m.type === 'welcome' && m.mode === 'owner')).toBe(true);
    await browser.close();
    ssh.type('exit\r');
    expect(await ssh.exited).toBe(0);
  });

  it('is the same live session for teachers: shadowed, control handed over from the browser, kept for the grace period after a drop', async () => {
    const wsUrl = `${app.baseUrl.replace('http', 'ws')}/gateway/ws`;
    const ssh = new PtySsh(sshArgs(target, studentKey.file, 'student+linux-basics'), { cols: 100, rows: 30 });
    ssh.type('export MARK=kept-$((3*3)); echo marked-$((4*4))\r');
    await ssh.waitFor(/marked-16/);
    const teacher = await signIn(app.baseUrl, 'teacher', app.accounts.teacher.password);
    const live = await teacher.query<{ id: string; labInstanceId: string; recording: boolean; state: string }[]>('sessions.live');
    const record = live.find((r) => r.labInstanceId === instanceId);
    expect(record).toMatchObject({ id: `term-${instanceId}`, recording: true, state: 'live' });
    const shadow = await teacher.mutate<{ ticket: string }>('sessions.shadowTicket', { sessionId: record?.id });
    const viewer = await WireClient.connect({ url: wsUrl, ticket: shadow.ticket, origin: app.baseUrl });
    ssh.type('echo shadowed-$((5*5))\r');
    await viewer.waitForText('shadowed-25');

    // The teacher asks; the SSH user is told; the owner grants from the browser; the teacher's typing shows over SSH.
    viewer.sendControl({ type: 'request-control' });
    await ssh.waitFor(/asks to type in your terminal/);
    const { ticket } = await student.mutate<{ ticket: string }>('sessions.terminalTicket', { instanceId });
    const browser = await WireClient.connect({ url: wsUrl, ticket, origin: app.baseUrl });
    const welcome = viewer.controls.find((m) => m.type === 'welcome');
    browser.sendControl({ type: 'grant-control', userId: welcome && welcome.type === 'welcome' ? welcome.userId : '' });
    await viewer.waitFor('control', () => viewer.controls.some((m) => m.type === 'control-changed' && m.controlGrantedTo.length === 1));
    viewer.type('echo teacher-$((2*11))\r');
    await ssh.waitFor(/teacher-22/);
    await browser.close();
    await viewer.close();

    // The SSH client drops: the shell waits for its owner, who comes back over SSH to the same state.
    ssh.kill();
    const deadline = Date.now() + 20_000;
    while ((await teacher.query<{ labInstanceId: string; state: string }[]>('sessions.live')).find((r) => r.labInstanceId === instanceId)?.state !== 'detached') {
      if (Date.now() > deadline) throw new Error('the session did not turn detached');
      await new Promise((r) => setTimeout(r, 100));
    }
    const back = new PtySsh(sshArgs(target, studentKey.file, 'student+linux-basics'), { cols: 100, rows: 30 });
    back.type('echo "mark=$MARK"\r');
    await back.waitFor(/mark=kept-9/);
    back.type('exit\r');
    expect(await back.exited).toBe(0);
  });

  it('refuses another student\'s key, an unknown key and an unknown user, saying why, and lets nobody into a lab that is not theirs', async () => {
    const stranger = generateKey('ed25519');
    for (const [key, login] of [
      [student2Key.file, 'student'],
      [studentKey.file, 'student2'],
      [stranger.file, 'student'],
      [studentKey.file, 'nobody-here'],
    ] as const) {
      const r = await runSsh(target, key, login, 'id -un');
      expect({ login, code: r.code, stdout: r.stdout }).toEqual({ login, code: 255, stdout: '' });
      expect(r.stderr).toMatch(/Permission denied: this key is not on that account's profile/);
    }
    // student2 has no running lab: signed in, told so, nothing runs.
    const r = await runSsh(target, student2Key.file, 'student2', 'id -un');
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/You have no lab running/);
  });

  it('asks which lab when several run, and lands in the one named after the plus', async () => {
    await startLab(student, 'sql-injection');
    const bare = await runSsh(target, studentKey.file, 'student', 'hostname');
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/You have 2 labs running. Pick one by logging in as:\r?\n\s+student\+linux-basics .*\r?\n\s+student\+sql-injection/);
    expect((await runSsh(target, studentKey.file, 'student+linux-basics', 'hostname')).stdout).toBe('linux-basics\n');
    expect((await runSsh(target, studentKey.file, 'student+network-analysis', 'hostname')).stderr).toMatch(/No running lab of yours is called network-analysis/);
  });

  it('copies a 10 MB file into the lab\'s storage and back with scp, byte for byte, and lists it with sftp', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'autolabs-scp-'));
    const original = randomBytes(10 * 1024 * 1024);
    writeFileSync(path.join(dir, 'big.bin'), original);
    const options = sshArgs(target, studentKey.file, 'student').slice(0, -1).filter((a) => a !== '-p' && a !== String(target.port));
    const scp = (from: string, to: string) => execFileSync(requireTool('scp'), ['-q', '-P', String(target.port), ...options, from, to], { encoding: 'utf8' });
    scp(path.join(dir, 'big.bin'), 'student+linux-basics@127.0.0.1:big.bin');
    scp('student+linux-basics@127.0.0.1:big.bin', path.join(dir, 'back.bin'));
    expect(createHash('sha256').update(readFileSync(path.join(dir, 'back.bin'))).digest('hex')).toBe(createHash('sha256').update(original).digest('hex'));
    // It is in the lab's home, as the student, where the terminal sees it.
    const inLab = await runSsh(target, studentKey.file, 'student+linux-basics', 'stat -c "%U %s" ~/big.bin');
    expect(inLab.stdout).toBe(`student ${original.length}\n`);
    const listing = execFileSync(requireTool('sftp'), ['-q', '-P', String(target.port), ...options, '-b', '-', 'student+linux-basics@127.0.0.1'], { input: 'ls -l big.bin\n', encoding: 'utf8' });
    expect(listing).toMatch(new RegExp(`student .* ${original.length} .* big\\.bin`));
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses port forwarding, other subsystems, oversized commands and oversized login names', async () => {
    const forward = await runSsh(target, studentKey.file, 'student+linux-basics', 'true', ['-o', 'ExitOnForwardFailure=yes', '-R', '0:127.0.0.1:9']);
    expect(forward.code).toBe(255);
    expect(forward.stderr).toMatch(/remote port forwarding failed/);
    const other = await runSsh(target, studentKey.file, 'student+linux-basics', 'netconf', ['-s']);
    expect(other.code).toBe(255);
    expect(other.stderr).toMatch(/subsystem request failed/);
    const huge = await runSsh(target, studentKey.file, 'student+linux-basics', `echo ${'x'.repeat(20_000)}`);
    expect({ code: huge.code, stdout: huge.stdout }).toEqual({ code: 1, stdout: '' });
    expect(huge.stderr).toMatch(/the command is longer than 16384 bytes/);
    const long = await runSsh(target, studentKey.file, `${'a'.repeat(200)}`, 'true');
    expect(long.code).toBe(255);
    expect(long.stderr).toMatch(/The login name is too long/);
  });

  it('ends the SSH login with a line saying why when an administrator ends the session', async () => {
    const ssh = new PtySsh(sshArgs(target, studentKey.file, 'student+linux-basics'), { cols: 100, rows: 30 });
    ssh.type('echo before-kill-$((9*9))\r');
    await ssh.waitFor(/before-kill-81/);
    const admin = await signIn(app.baseUrl, 'admin', app.accounts.admin.password);
    await admin.mutate('admin.killSession', { sessionId: `term-${instanceId}` });
    await ssh.waitFor(/\[autolabs\] an administrator ended this session/);
    expect(await ssh.exited).toBe(255);
  });

  it('throttles failures per account and client, and audits logins and denials', async () => {
    const stranger = generateKey('ed25519');
    let last = '';
    for (let i = 0; i < 7; i++) last = (await runSsh(target, stranger.file, 'teacher', 'true')).stderr;
    expect(last).toMatch(/Too many failed sign-ins for teacher from your address; try again in \d+ s/);
    const admin = await signIn(app.baseUrl, 'admin', app.accounts.admin.password);
    const { entries: ssh } = await admin.query<{ entries: { outcome: string; detail: Record<string, unknown> | null }[] }>('admin.audit', { action: 'ssh.login', limit: 200 });
    expect(ssh.some((e) => e.outcome === 'success' && e.detail?.instanceId === instanceId)).toBe(true);
    expect(ssh.some((e) => e.outcome === 'denied' && e.detail?.username === 'student2' && e.detail?.fingerprint === studentKey.fingerprint)).toBe(true);
    expect(ssh.some((e) => e.outcome === 'denied' && e.detail?.reason === 'throttled')).toBe(true);
    // Refused at the door itself (the over-long login name above), reported by the gateway.
    expect(ssh.some((e) => e.outcome === 'denied' && e.detail?.reason === 'login name refused' && e.detail?.address === '127.0.0.1')).toBe(true);
    expect(JSON.stringify(ssh)).not.toContain(studentKey.publicLine.split(' ')[1]);
  });
});
