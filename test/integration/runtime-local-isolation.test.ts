/**
 * What a student can and cannot see from inside a real bubblewrap sandbox of the LocalRuntime. Every
 * assertion runs commands inside the sandbox twice over where it matters: through `exec` (lab checks) and
 * through the PTY argv the runtime recorded for the gateway, spawned with node-pty (what the gateway does).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import * as pty from 'node-pty';
import { LocalRuntime } from '../../server/src/runtime/local/local-runtime';
import { readTerminalLaunch } from '@autolabs/common/lab-access/local/sandbox-launch';
import { labConfigSchema, type LabConfig } from '../../server/src/labs/lab-config';
import type { RuntimeHandle } from '../../server/src/runtime/lab-runtime';
import type { TerminalTarget } from '@autolabs/common/lab-access/terminal-target';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';
import { waitFor } from '@autolabs/common/testing/wait-for';

const SECRET_DB = 'postgresql://postgres:s3cret-db-password@127.0.0.1:5432/autolabs';
const SECRET_KEY = '-----BEGIN PRIVATE KEY-----secret-ticket-key-----END PRIVATE KEY-----';

function lab(name: string, overrides: { internet?: boolean; memory?: string; cpu?: string } = {}): LabConfig {
  return labConfigSchema.parse({
    apiVersion: 'autolabs.io/v1',
    kind: 'Lab',
    metadata: { name, title: name },
    spec: {
      containers: [
        {
          name: 'shell',
          image: 'debian:12',
          terminal: true,
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: overrides.cpu ?? '1', memory: overrides.memory ?? '256Mi' } },
        },
        { name: 'db', image: 'postgres:16' },
      ],
      network: { internet: overrides.internet ?? false },
    },
  });
}

/** Runs `script` in a PTY spawned from the terminal target, with a parent env full of secrets. */
function runInPty(target: TerminalTarget, script: string, timeoutMs = 15_000): Promise<string> {
  if (target.kind !== 'pty') throw new Error(`expected a pty target, got ${target.kind}`);
  return new Promise((resolve, reject) => {
    const term = pty.spawn(target.argv[0], target.argv.slice(1), {
      // A careless spawner passing its whole environment must still leak nothing into the lab.
      env: { ...process.env, ...target.env },
      cwd: target.cwd,
      cols: 200,
      rows: 50,
      name: 'xterm-256color',
    });
    let output = '';
    const timer = setTimeout(() => {
      term.kill('SIGKILL');
      reject(new Error(`PTY did not finish; output so far:\n${output}`));
    }, timeoutMs);
    term.onData((d) => {
      output += d;
      if (output.includes('__PTY_DONE__')) {
        clearTimeout(timer);
        term.kill('SIGKILL');
        // Only what the shell printed, not the echoes of the typed line (tty echo, then readline's redisplay).
        resolve(output.slice(output.lastIndexOf('__PTY_""DONE__') + '__PTY_""DONE__'.length));
      }
    });
    term.write(`${script}; echo __PTY_""DONE__\r`);
  });
}

/** Resolves once `file` exists (what a sandboxed script writes when it reaches a point). */
function untilExists(file: string): Promise<void> {
  return waitFor(`${file} to exist`, () => fs.existsSync(file), 15_000);
}

/** The shell's output from a PTY transcript: no escape sequences, no carriage returns, no marker. */
function plainPtyOutput(transcript: string): string {
  const plain = transcript.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g, '').replace(/\r/g, '');
  return `${plain.slice(0, plain.indexOf('__PTY_DONE__')).trim()}\n`;
}

describe('LocalRuntime isolation (real bubblewrap)', () => {
  let dataDir: string;
  let runtime: LocalRuntime;
  let alice: RuntimeHandle;
  let bob: RuntimeHandle;
  const config = lab('isolation-lab');
  const saved = { db: process.env.DATABASE_URL, key: process.env.TICKET_PRIVATE_KEY, data: process.env.AUTOLABS_DATA_DIR };

  const sh = async (handle: RuntimeHandle, script: string, cfg = config) => runtime.exec(handle, cfg, ['/bin/bash', '-c', script], { timeoutMs: 15_000 });
  /** The same script through a check (`exec`) and through a terminal (the PTY argv): both outputs. */
  const bothWays = async (handle: RuntimeHandle, script: string, cfg = config): Promise<[string, string]> => {
    const viaExec = await sh(handle, script, cfg);
    expect(viaExec.exitCode).toBe(0);
    return [viaExec.stdout, plainPtyOutput(await runInPty(await readTerminalLaunch(dataDir, handle.instanceId), script))];
  };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-runtime-iso-'));
    process.env.DATABASE_URL = SECRET_DB;
    process.env.TICKET_PRIVATE_KEY = SECRET_KEY;
    process.env.AUTOLABS_DATA_DIR = dataDir;
    fs.mkdirSync(path.join(dataDir, 'db'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'db', 'PG_VERSION'), '16\n');
    fs.mkdirSync(path.join(dataDir, 'keys'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'keys', 'ticket-private.pem'), SECRET_KEY, { mode: 0o600 });
    runtime = new LocalRuntime({ dataDir, log: pino({ level: 'silent' }) });
    await runtime.checkAvailable();
    alice = await runtime.start({ instanceId: 'a11ce000-0000-4000-8000-000000000001', ownerKey: 'alice', labKey: 'isolation-lab', config });
    bob = await runtime.start({ instanceId: 'b0b00000-0000-4000-8000-000000000002', ownerKey: 'bob', labKey: 'isolation-lab', config });
    const bobHome = path.join(dataDir, 'labs', bob.instanceId, 'home');
    fs.writeFileSync(path.join(bobHome, 'bob-secret-marker.txt'), 'bob only');
  });

  afterAll(async () => {
    for (const h of [alice, bob]) if (h) await runtime.destroy(h);
    removeDataDir(dataDir);
    process.env.DATABASE_URL = saved.db;
    process.env.TICKET_PRIVATE_KEY = saved.key;
    process.env.AUTOLABS_DATA_DIR = saved.data;
  });

  it('runs the lab in its own mount, PID, IPC, UTS and network namespaces', async () => {
    const host = Object.fromEntries(['mnt', 'pid', 'ipc', 'uts', 'net'].map((ns) => [ns, fs.readlinkSync(`/proc/self/ns/${ns}`)]));
    for (const out of await bothWays(alice, 'for ns in mnt pid ipc uts net; do echo "$ns $(readlink /proc/self/ns/$ns)"; done; hostname')) {
      const lines = out.trim().split('\n');
      const inside = Object.fromEntries(lines.slice(0, 5).map((l) => l.split(' ')));
      for (const ns of Object.keys(host)) expect(inside[ns], ns).toMatch(new RegExp(`^${ns}:\\[\\d+\\]$`));
      for (const ns of Object.keys(host)) expect(inside[ns], ns).not.toBe(host[ns]);
      expect(lines[5]).toBe('isolation-lab');
    }
  });

  it('shows only the sandbox own processes, none of the host', async () => {
    for (const out of await bothWays(alice, 'ls /proc | grep -E "^[0-9]+$" | wc -l; cat /proc/*/comm 2>/dev/null | sort -u | tr "\\n" " "')) {
      const [count, comms] = out.trim().split('\n');
      expect(Number(count)).toBeGreaterThan(0);
      expect(Number(count)).toBeLessThan(8);
      expect(comms).toContain('bwrap');
      expect(comms).not.toMatch(/node|postgres|redis|rabbit|vitest/);
    }
  });

  it('runs the student as an unprivileged user without capabilities and with no_new_privs', async () => {
    for (const out of await bothWays(alice, 'id -u; id -un; grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status')) {
      const [uid, name, ...caps] = out.trim().split('\n');
      expect(Number(uid)).toBeGreaterThanOrEqual(1_000_000_000);
      expect(name).toBe('student');
      expect(caps).toEqual(['CapEff:\t0000000000000000', 'CapBnd:\t0000000000000000', 'NoNewPrivs:\t1']);
    }
  });

  it('mounts the instance home at storage.mountPath and keeps files there across sandboxes and a stop', async () => {
    const write = await sh(alice, 'pwd; echo persisted > ~/notes.txt');
    expect(write.stdout.trim()).toBe('/home/student');
    expect(fs.readFileSync(path.join(dataDir, 'labs', alice.instanceId, 'home', 'notes.txt'), 'utf8')).toBe('persisted\n');
    await runtime.stop(alice);
    alice = await runtime.start({ instanceId: alice.instanceId, ownerKey: 'alice', labKey: 'isolation-lab', config });
    const read = await sh(alice, 'cat ~/notes.txt');
    expect(read.stdout).toBe('persisted\n');
  });

  it('hides other students, the data directory, database files, keys, /root and /work', async () => {
    const bobHome = path.join(dataDir, 'labs', bob.instanceId, 'home');
    const probes = [dataDir, bobHome, path.join(dataDir, 'db'), path.join(dataDir, 'keys'), '/root', '/work', '/var/lib/postgresql', '/etc/ssh', '/etc/ssl/private', '/etc/shadow', os.homedir()];
    const script = `${probes.map((p) => `test -e '${p}' && echo "VISIBLE ${p}"`).join('; ')}; find / -xdev \\( -name 'bob-secret-marker.txt' -o -name 'PG_VERSION' -o -name 'ticket-private.pem' \\) 2>/dev/null; true`;
    const viaExec = await sh(alice, script);
    expect(viaExec.stdout).toBe('');
    const viaPty = await runInPty(await readTerminalLaunch(dataDir, alice.instanceId), script);
    expect(viaPty).not.toContain('VISIBLE');
    expect(viaPty).not.toContain('bob-secret-marker');
    expect(viaPty).not.toContain('ticket-private.pem');
  });

  it('leaks no environment secrets of the parent process, through exec or the PTY', async () => {
    const script = 'env; cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n"';
    const viaExec = await sh(alice, script);
    const viaPty = await runInPty(await readTerminalLaunch(dataDir, alice.instanceId), script);
    for (const out of [viaExec.stdout, viaPty]) {
      expect(out).toContain('HOME=/home/student');
      expect(out).not.toContain('s3cret-db-password');
      expect(out).not.toContain('secret-ticket-key');
      expect(out).not.toContain('DATABASE_URL');
      expect(out).not.toContain('AUTOLABS_DATA_DIR');
    }
  });

  it('gives a lab with internet: false no network, not even to services on the host loopback', async () => {
    const script = 'ls /sys/class/net 2>/dev/null || cat /proc/net/dev; (echo > /dev/tcp/127.0.0.1/5432) 2>/dev/null && echo REACHED-POSTGRES; (echo > /dev/tcp/127.0.0.1/6379) 2>/dev/null && echo REACHED-REDIS; echo checked';
    for (const out of await bothWays(alice, script)) {
      expect(out).toContain('checked');
      expect(out).not.toContain('REACHED');
      expect(out).not.toMatch(/eth0|ens|veth/);
    }
  });

  it('does not share the host network even when the lab asks for internet, unless the runtime allows it', async () => {
    const online = lab('online-lab', { internet: true });
    const { stdout } = await sh(alice, '(echo > /dev/tcp/127.0.0.1/5432) 2>/dev/null && echo REACHED-POSTGRES; true', online);
    expect(stdout).not.toContain('REACHED');
  });

  it('keeps system directories read-only and /tmp private', async () => {
    for (const out of await bothWays(alice, 'touch /usr/x 2>/dev/null && echo WROTE-USR; touch /etc/passwd 2>/dev/null && echo WROTE-ETC; echo mine > /tmp/t && cat /tmp/t')) {
      expect(out).toBe('mine\n');
    }
    const other = await sh(bob, 'test -e /tmp/t && echo SHARED-TMP; true');
    expect(other.stdout).toBe('');
  });

  it('limits memory, processes and CPU per instance through its own cgroup', async () => {
    const limited = lab('limited-lab', { memory: '256Mi', cpu: '200m' });
    const cg = (controller: string, file: string) => fs.readFileSync(`/sys/fs/cgroup/${controller}/autolabs/${alice.instanceId}/${file}`, 'utf8').trim();
    const home = path.join(dataDir, 'labs', alice.instanceId, 'home');
    const sleeper = sh(alice, 'touch ~/in-group; while [ ! -e ~/leave-group ]; do sleep 0.02; done', limited);
    await untilExists(path.join(home, 'in-group'));
    expect([cg('memory', 'memory.limit_in_bytes'), cg('pids', 'pids.max'), cg('cpu', 'cpu.cfs_quota_us')]).toEqual([String(256 * 2 ** 20), '256', '20000']);
    expect(cg('pids', 'cgroup.procs')).not.toBe('');
    fs.writeFileSync(path.join(home, 'leave-group'), '');
    await sleeper;

    const memory = await sh(alice, 'ulimit -v; python3 -c "x = b\'1\' * (400 * 1024 * 1024)" 2>/dev/null; echo "exit=$?"', limited);
    expect(memory.stdout).toBe('unlimited\nexit=137\n');

    // Fork until the kernel refuses, holding every child (each execs a long sleep), so the count does not
    // depend on how fast this machine forks: read the group while all of them are alive, then release them.
    const forkLab = lab('fork-lab', { memory: '1Gi', cpu: '1' });
    const forks = sh(alice, `python3 - <<'EOF'
import errno, os, time
kids, refused = [], None
for _ in range(400):
    try:
        pid = os.fork()
    except OSError as e:
        refused = errno.errorcode[e.errno]
        break
    if pid == 0:
        os.execv('/bin/sleep', ['sleep', '600'])
    kids.append(pid)
open(os.path.expanduser('~/forks-held'), 'w').write('held')
while not os.path.exists(os.path.expanduser('~/forks-release')):
    time.sleep(0.02)
for k in kids:
    os.kill(k, 9)
    os.waitpid(k, 0)
print(len(kids), refused)
EOF`, forkLab);
    await untilExists(path.join(home, 'forks-held'));
    const held = Number(cg('pids', 'pids.current'));
    fs.writeFileSync(path.join(home, 'forks-release'), '');
    const result = await forks;
    const [children, refusal] = result.stdout.trim().split(' ');
    expect(held).toBeLessThanOrEqual(256);
    expect(held).toBeGreaterThan(250);
    expect(Number(children)).toBeGreaterThan(240);
    expect(refusal).toBe('EAGAIN');

    const throttledBefore = Number(/nr_throttled (\d+)/.exec(cg('cpu', 'cpu.stat'))?.[1]);
    // `times` prints the CPU time of finished children: the busy loop's, over one second of wall time.
    const busy = await sh(alice, 'timeout 1 sh -c "while :; do :; done"; times', limited);
    const childrenLine = busy.stdout.trim().split('\n').at(-1) ?? '';
    const [user, system] = [...childrenLine.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
    const throttled = Number(/nr_throttled (\d+)/.exec(cg('cpu', 'cpu.stat'))?.[1]) - throttledBefore;
    expect(user + system).toBeLessThan(0.3);
    expect(throttled).toBeGreaterThan(0);
  });

  it('falls back to per-process rlimits without cgroups: address space from the memory limit, processes per uid', async () => {
    const plain = new LocalRuntime({ dataDir, log: pino({ level: 'silent' }), cgroupRoot: null });
    const { stdout } = await plain.exec(alice, config, ['/bin/bash', '-c', 'ulimit -v; ulimit -u; python3 -c "bytearray(400 * 1024 * 1024)" 2>/dev/null && echo ALLOCATED || echo REFUSED']);
    expect(stdout.trim().split('\n')).toEqual([String(256 * 1024), '256', 'REFUSED']);
  });

  it('gives the PTY shell job control (no --new-session for terminals)', async () => {
    const out = await runInPty(await readTerminalLaunch(dataDir, alice.instanceId), 'sleep 30 & jobs; kill %1');
    expect(out).not.toContain('no job control');
    expect(out).toMatch(/\[1\]\+?\s+Running\s+sleep 30/);
  });
});
