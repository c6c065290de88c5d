/**
 * SSH through the gateway's front door beside OpenSSH's own sshd on loopback, in the same run, with the same
 * OpenSSH client and an ed25519 key: login + `true` + exit, keystroke echo in an interactive shell (p50/p99),
 * and throughput of 50 MB of `base64` output from `ssh host cmd`. The front door runs in the embedded app
 * (local runtime, host mode) with a student's linux-basics lab running; sshd serves root on this machine.
 * Usage: npm run bench:ssh   (BENCH_LOGINS [10], BENCH_KEYS [200], BENCH_MB [50])
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as pty from 'node-pty';
import { freePort } from '@autolabs/common/testing/free-port';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { startApp } from '../test/browser/harness';
import { signIn } from '../test/ssh/app-client';
import { sshArgs, runSsh, type SshTarget } from '../test/ssh/ssh-run';
import { generateKey, requireTool } from '../test/ssh/ssh-tools';
import { percentile } from './measure';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 10);
const KEYS = Number(process.env.BENCH_KEYS ?? 200);
const MB = Number(process.env.BENCH_MB ?? 50);

interface Side {
  name: string;
  target: SshTarget;
  login: string;
}

async function startSshd(publicLine: string): Promise<{ target: SshTarget; child: ChildProcess }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-sshd-'));
  // sshd's privilege separation directory, which Debian's service unit would make.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  execFileSync(requireTool('ssh-keygen'), ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host')]);
  writeFileSync(path.join(dir, 'authorized_keys'), `${publicLine}\n`);
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'sshd_config'),
    [`Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${path.join(dir, 'host')}`, `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'StrictModes no', 'UsePAM no', `PidFile ${path.join(dir, 'pid')}`].join('\n') + '\n',
  );
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: 'ignore' });
  const hostKey = execFileSync('cut', ['-d', ' ', '-f1,2', path.join(dir, 'host.pub')], { encoding: 'utf8' }).trim();
  const target = { port, hostKey };
  await waitFor('sshd to accept logins', async () => (await runSsh(target, null, 'nobody', 'true')).stderr.includes('Permission denied'), 20_000);
  return { target, child };
}

async function loginTimes(side: Side, key: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < LOGINS; i++) {
    const started = performance.now();
    const r = await runSsh(side.target, key, side.login, 'true');
    if (r.code !== 0) throw new Error(`${side.name}: ssh exited ${r.code}: ${r.stderr}`);
    times.push(performance.now() - started);
  }
  return times;
}

/** Types one key at a time into an interactive shell and times until its echo arrives. */
async function echoTimes(side: Side, key: string): Promise<number[]> {
  const term = pty.spawn(requireTool('ssh'), ['-tt', ...sshArgs(side.target, key, side.login)], { cols: 120, rows: 40, env: { TERM: 'xterm', PATH: process.env.PATH ?? '' } });
  let output = '';
  let waiting: { text: string; resolve: () => void } | null = null;
  term.onData((d) => {
    output += d;
    if (waiting && output.includes(waiting.text)) waiting.resolve();
  });
  const until = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${side.name}: no ${JSON.stringify(text)} in ${output.slice(-500)}`)), 20_000);
      waiting = { text, resolve: () => (clearTimeout(timer), (waiting = null), resolve()) };
      if (output.includes(text)) waiting.resolve();
    });
  term.write('stty -echoctl; PS1=READY\\>; echo go\r');
  await until('READY>');
  const times: number[] = [];
  for (let i = 0; i < KEYS; i++) {
    const ch = String.fromCharCode(97 + (i % 26));
    output = '';
    const started = performance.now();
    term.write(ch);
    await until(ch);
    times.push(performance.now() - started);
  }
  term.write('\x15exit\r');
  await new Promise<void>((resolve) => term.onExit(() => resolve()));
  return times;
}

async function throughput(side: Side, key: string): Promise<number> {
  const started = performance.now();
  let bytes = 0;
  const child = spawn(requireTool('ssh'), [...sshArgs(side.target, key, side.login), `base64 /dev/zero | head -c ${MB * 1_000_000}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (d: Buffer) => (bytes += d.length));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0 || bytes < MB * 1_000_000) throw new Error(`${side.name}: ${bytes} bytes, exit ${code}`);
  return bytes / 1e6 / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const key = generateKey('ed25519');
  const sshd = await startSshd(key.publicLine);
  const app = await startApp({ env: { GATEWAY_SSH_PORT: String(await freePort()) } });
  try {
    const student = await signIn(app.baseUrl, 'student', app.accounts.student.password);
    const access = await student.query<{ port: number; hostKey: string }>('sshKeys.access');
    await student.mutate('sshKeys.add', { name: 'bench', publicKey: key.publicLine });
    const assignment = (await student.query<{ id: string; lab: { name: string } }[]>('assignments.mine')).find((a) => a.lab.name === 'linux-basics');
    if (!assignment) throw new Error('no linux-basics assignment');
    const started = await student.mutate<{ id: string }>('instances.start', { assignmentId: assignment.id });
    await waitFor('the lab to run', async () => (await student.query<{ id: string; status: string }[]>('instances.mine')).some((i) => i.id === started.id && i.status === 'running'), 90_000);
    const sides: Side[] = [
      { name: 'OpenSSH sshd (baseline)', target: sshd.target, login: 'root' },
      { name: 'AutoLabs front door', target: { port: access.port, hostKey: access.hostKey }, login: 'student' },
    ];
    console.log(`| | login + true + exit p50 / p99, ms (x${LOGINS}) | echo p50 / p99, ms (x${KEYS}) | ${MB} MB of base64, MB/s |`);
    console.log('|---|---|---|---|');
    for (const side of sides) {
      const logins = await loginTimes(side, key.file);
      const echoes = await echoTimes(side, key.file);
      const rate = await throughput(side, key.file);
      const f = (xs: number[]) => `${percentile(xs, 50).toFixed(1)} / ${percentile(xs, 99).toFixed(1)}`;
      console.log(`| ${side.name} | ${f(logins)} | ${f(echoes)} | ${rate.toFixed(1)} |`);
    }
  } finally {
    await app.stop();
    sshd.child.kill('SIGTERM');
  }
}

await main();
