import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@autolabs/common/errors/app-error';
import { caught } from '@autolabs/common/testing/caught';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { ed25519Pair, startLoopbackSshd, type LoopbackSshd } from '../testing/loopback-sshd';
import { Ssh2Backend, type SshEndpoint } from './ssh2-backend';
import type { ExitStatus } from './terminal-backend';

const platformKey = ed25519Pair('autolabs-platform');
let sshd: LoopbackSshd;
let endpoint: SshEndpoint;

beforeAll(async () => {
  sshd = await startLoopbackSshd([platformKey.public]);
  endpoint = { host: '127.0.0.1', port: sshd.port, username: sshd.username, hostKey: sshd.hostKey };
});

afterAll(async () => {
  await sshd?.stop();
});

function collect(backend: Ssh2Backend) {
  const out = { text: '' };
  const decoder = new TextDecoder();
  backend.onData((chunk) => (out.text += decoder.decode(chunk, { stream: true })));
  return out;
}

function exits(backend: Ssh2Backend): ExitStatus[] {
  const list: ExitStatus[] = [];
  backend.onExit((s) => list.push(s));
  return list;
}

async function openError(promise: Promise<unknown>): Promise<AppError> {
  const e = await caught(promise);
  expect(e).toBeInstanceOf(AppError);
  return e;
}

/** Logins sshd accepted so far, from its log. */
function accepted(): number {
  return sshd.log().match(/Accepted publickey for /g)?.length ?? 0;
}

/** Connections sshd saw the client end, from its log. */
function disconnected(): number {
  return sshd.log().match(/Disconnected from user /g)?.length ?? 0;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

const open = (size = { cols: 80, rows: 24 }) => Ssh2Backend.open(endpoint, size, { privateKey: platformKey.private });

describe('Ssh2Backend against OpenSSH sshd on loopback', () => {
  it('round-trips keystrokes and output through a PTY of the hello size, and applies a resize', async () => {
    const ssh = await open({ cols: 97, rows: 31 });
    const out = collect(ssh);
    ssh.write('echo round""trip; stty size\r');
    await waitFor('echo and initial size', () => out.text.includes('roundtrip') && out.text.includes('31 97'));
    ssh.resize({ cols: 132, rows: 43 });
    ssh.write('stty size\r');
    await waitFor('new size', () => out.text.includes('43 132'));
    await ssh.close();
  });

  it('reports the exit status of the shell exactly once when it exits by itself, and ends the connection', async () => {
    const before = disconnected();
    const ssh = await open();
    const seen = exits(ssh);
    ssh.write('exit 7\r');
    await waitFor('exit', () => seen.length > 0);
    await waitFor('sshd to see the connection end', () => disconnected() > before);
    await ssh.close();
    ssh.write('ignored after exit');
    expect(seen).toEqual([{ code: 7, signal: null }]);
  });

  it('reports a shell killed by a signal with the signal name', async () => {
    const ssh = await open();
    const seen = exits(ssh);
    ssh.write('kill -KILL $$\r');
    await waitFor('exit', () => seen.length > 0);
    expect(seen).toEqual([{ code: null, signal: 'SIGKILL' }]);
  });

  it('close from our side ends the remote shell and the connection, and reports one exit', async () => {
    const before = disconnected();
    const ssh = await open();
    const out = collect(ssh);
    const seen = exits(ssh);
    ssh.write('echo "PID=$$="\r');
    await waitFor('the shell pid', () => /PID=(\d+)=/.test(out.text));
    const pid = Number(/PID=(\d+)=/.exec(out.text)![1]);
    expect(alive(pid)).toBe(true);
    await ssh.close();
    await ssh.close();
    expect(seen).toHaveLength(1);
    expect(seen[0].code).toBeNull();
    await waitFor(`shell ${pid} to end`, () => !alive(pid));
    await waitFor('sshd to see the connection end', () => disconnected() > before);
  });

  it('stops reading output while paused and delivers all of it, in order, after resume', async () => {
    const ssh = await open();
    const out = collect(ssh);
    ssh.write('stty -echo; echo go""ne\r');
    await waitFor('prompt', () => out.text.includes('gone'));
    ssh.pause();
    ssh.write('seq 1 100000; echo do""ne\r');
    ssh.resume();
    await waitFor('all output', () => out.text.includes('done'), 20_000);
    const numbers = out.text.split(/\r?\n/).filter((l) => /^\d+$/.test(l)).map(Number);
    expect(numbers).toEqual(Array.from({ length: 100_000 }, (_, i) => i + 1));
    await ssh.close();
  });

  it('refuses a server whose host key is not the pinned one with HOST_KEY_MISMATCH, before logging in', async () => {
    const other = ed25519Pair('not-the-lab');
    const logins = accepted();
    expect(logins).toBeGreaterThan(0);
    const e = await openError(Ssh2Backend.open({ ...endpoint, hostKey: other.public }, { cols: 80, rows: 24 }, { privateKey: platformKey.private }));
    expect(e.code).toBe('HOST_KEY_MISMATCH');
    expect(e.field).toBe('target.hostKey');
    expect(JSON.stringify(e.detail)).toContain('SHA256:');
    expect(accepted()).toBe(logins);
  });

  it('is refused by sshd when the platform key is not one the lab trusts, without the key in the error', async () => {
    const stranger = ed25519Pair('stranger');
    const e = await openError(Ssh2Backend.open(endpoint, { cols: 80, rows: 24 }, { privateKey: stranger.private }));
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
    expect(e.field).toBe('LAB_SSH_PRIVATE_KEY');
    const body = stranger.private.split('\n')[1];
    expect(JSON.stringify({ message: e.message, detail: e.detail })).not.toContain(body);
  });

  it('refuses a pinned key that is not a public key line with BAD_INPUT on target.hostKey', async () => {
    const e = await openError(Ssh2Backend.open({ ...endpoint, hostKey: 'not a key' }, { cols: 80, rows: 24 }, { privateKey: platformKey.private }));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.field).toBe('target.hostKey');
  });

  it('reports an sshd that is not listening as RUNTIME_UNAVAILABLE', async () => {
    const e = await openError(Ssh2Backend.open({ ...endpoint, port: 1 }, { cols: 80, rows: 24 }, { privateKey: platformKey.private }));
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
  });
});
