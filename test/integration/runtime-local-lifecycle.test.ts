/**
 * LocalRuntime's state semantics against real bubblewrap: what `status` says before start, after a restart
 * of our process, after stop and destroy; that stop ends terminals spawned elsewhere; and the errors it
 * gives for a missing bubblewrap, a bad id and an instance that is not running.
 */
import { caught } from '@autolabs/common/testing/caught';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import * as pty from 'node-pty';
import { list } from 'tar';
import { readTerminalLaunch } from '@autolabs/common/lab-access/local/sandbox-launch';
import { LocalRuntime } from '../../server/src/runtime/local/local-runtime';
import { labConfigSchema } from '../../server/src/labs/lab-config';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';

const log = pino({ level: 'silent' });
const config = labConfigSchema.parse({
  apiVersion: 'autolabs.io/v1',
  kind: 'Lab',
  metadata: { name: 'lifecycle-lab', title: 'Lifecycle' },
  spec: { containers: [{ name: 'shell', image: 'debian:12', terminal: true }] },
});

let n = 0;
const nextId = () => `11111111-0000-4000-8000-${String(++n).padStart(12, '0')}`;

function processesOfUid(uid: number): number {
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
        return new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(status) && !/^State:\s+Z/m.test(status);
      } catch {
        return false;
      }
    }).length;
}


describe('LocalRuntime lifecycle (real bubblewrap)', () => {
  let dataDir: string;
  let runtime: LocalRuntime;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-runtime-life-'));
    runtime = new LocalRuntime({ dataDir, log });
  });
  afterAll(async () => {
    // Destroy ends leftover sandboxes and removes their cgroups, which live outside dataDir.
    for (let i = 1; i <= n; i++) await runtime.destroy({ runtime: 'local', instanceId: `11111111-0000-4000-8000-${String(i).padStart(12, '0')}` });
    removeDataDir(dataDir);
  });

  it('reports absent before start, running after, and start again returns the same handle', async () => {
    const id = nextId();
    expect(await runtime.status({ runtime: 'local', instanceId: id })).toEqual({ phase: 'absent' });
    const events: string[] = [];
    const handle = await runtime.start({ instanceId: id, ownerKey: 'alice', labKey: 'lifecycle-lab', config }, (e) => events.push(e.message));
    expect(events).toContain('sandbox ready');
    expect(await runtime.status(handle)).toEqual({ phase: 'running' });
    const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'labs', id, 'state.json'), 'utf8'));
    expect(state).toMatchObject({ instanceId: id, phase: 'running', configHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const again = await runtime.start({ instanceId: id, ownerKey: 'alice', labKey: 'lifecycle-lab', config });
    expect(again).toEqual(handle);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'labs', id, 'state.json'), 'utf8')).startedAt).toBe(state.startedAt);
  });

  it('answers status from disk after a restart of our process (a new runtime object)', async () => {
    const handle = await runtime.start({ instanceId: nextId(), ownerKey: 'a', labKey: 'l', config });
    const restarted = new LocalRuntime({ dataDir, log });
    expect(await restarted.status(JSON.parse(JSON.stringify(handle)))).toEqual({ phase: 'running' });
    await restarted.stop(handle);
    expect(await runtime.status(handle)).toEqual({ phase: 'stopped' });
  });

  it('stop ends a PTY shell spawned by someone else and a running check, and keeps the home', async () => {
    const handle = await runtime.start({ instanceId: nextId(), ownerKey: 'a', labKey: 'l', config });
    const target = await readTerminalLaunch(dataDir, handle.instanceId);
    const term = pty.spawn(target.argv[0], target.argv.slice(1), { env: target.env, cwd: target.cwd, cols: 80, rows: 24 });
    const exited = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
    term.write('echo kept > ~/kept.txt\r');
    const kept = path.join(dataDir, 'labs', handle.instanceId, 'home', 'kept.txt');
    await waitFor('the PTY shell wrote a file', () => fs.existsSync(kept), 10_000);
    const check = runtime.exec(handle, config, ['sleep', '60'], { timeoutMs: 30_000 });
    const uid = handle.uid as number;
    // The shell and the check's sleep, both running as the instance's uid.
    await waitFor('shell and check running', () => processesOfUid(uid) >= 2, 10_000);
    const started = Date.now();
    await runtime.stop(handle);
    await exited;
    const result = await check;
    expect(result.exitCode).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(processesOfUid(uid)).toBe(0);
    expect(await runtime.status(handle)).toEqual({ phase: 'stopped' });
    expect(fs.readFileSync(kept, 'utf8')).toBe('kept\n');
  });

  it('destroy removes the home and the state, after which status is absent', async () => {
    const handle = await runtime.start({ instanceId: nextId(), ownerKey: 'a', labKey: 'l', config });
    await runtime.destroy(handle);
    expect(fs.existsSync(path.join(dataDir, 'labs', handle.instanceId))).toBe(false);
    expect(await runtime.status(handle)).toEqual({ phase: 'absent' });
    await runtime.destroy(handle);
  });

  it('reports failed with a reason when the state file is damaged or the home has vanished', async () => {
    const damaged = await runtime.start({ instanceId: nextId(), ownerKey: 'a', labKey: 'l', config });
    fs.writeFileSync(path.join(dataDir, 'labs', damaged.instanceId, 'state.json'), '{not json');
    expect(await runtime.status(damaged)).toEqual({ phase: 'failed', reason: 'state file is not JSON' });
    const homeless = await runtime.start({ instanceId: nextId(), ownerKey: 'a', labKey: 'l', config });
    const home = path.join(dataDir, 'labs', homeless.instanceId, 'home');
    // A reboot unmounts the home volume: failed until a start mounts it again, with the files intact.
    fs.writeFileSync(path.join(home, 'kept.txt'), 'kept');
    execFileSync('umount', [home]);
    expect(await runtime.status(homeless)).toMatchObject({ phase: 'failed', reason: expect.stringContaining('not mounted') });
    expect((await runtime.exec(homeless, config, ['true']).catch((e: Error) => e)) instanceof Error).toBe(true);
    await runtime.start({ instanceId: homeless.instanceId, ownerKey: 'a', labKey: 'l', config });
    expect(await runtime.status(homeless)).toEqual({ phase: 'running' });
    expect(fs.readFileSync(path.join(home, 'kept.txt'), 'utf8')).toBe('kept');
    execFileSync('umount', [home]);
    fs.rmSync(home, { recursive: true });
    expect(await runtime.status(homeless)).toMatchObject({ phase: 'failed', reason: expect.stringContaining('home') });
  });

  it('exec returns exit code 124 on timeout and leaves no process behind', async () => {
    const handle = await runtime.start({ instanceId: nextId(), ownerKey: 'a', labKey: 'l', config });
    const result = await runtime.exec(handle, config, ['/bin/sh', '-c', 'echo started; sleep 30'], { timeoutMs: 400 });
    expect(result).toMatchObject({ exitCode: 124, stdout: 'started\n', stderr: expect.stringContaining('timed out after 400 ms') });
    // Gone well before the 30 s sleep would have ended by itself.
    await waitFor('no process of the lab user left', () => processesOfUid(handle.uid as number) === 0, 5000);
  });

  it('exec returns the exit code and output of a check', async () => {
    const handle = await runtime.start({ instanceId: nextId(), ownerKey: 'a', labKey: 'l', config });
    expect(await runtime.exec(handle, config, ['/bin/sh', '-c', 'echo out; echo err >&2; exit 3'])).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('refuses exec on a stopped instance with CONFLICT', async () => {
    const handle = await runtime.start({ instanceId: nextId(), ownerKey: 'a', labKey: 'l', config });
    await runtime.stop(handle);
    const error = await caught(runtime.exec(handle, config, ['true']));
    expect(error.code).toBe('CONFLICT');
  });

  it('exports the home as a tar of files and links, skipping a FIFO, and nothing once destroyed', async () => {
    const handle = await runtime.start({ instanceId: nextId(), ownerKey: 'a', labKey: 'l', config });
    const made = await runtime.exec(handle, config, ['/bin/sh', '-c', 'mkdir -p work && echo data > work/a.txt && ln -s /etc/shadow escape && mkfifo pipe']);
    expect(made.exitCode).toBe(0);
    const stream = await runtime.exportStorage(handle);
    if (!stream) throw new Error('expected a stream');
    const entries: string[] = [];
    const parser = list({ onReadEntry: (e) => entries.push(`${e.type} ${e.path}${e.linkpath ? ` -> ${e.linkpath}` : ''}`) });
    stream.pipe(parser);
    await new Promise((resolve) => parser.on('end', resolve));
    expect(entries).toEqual(expect.arrayContaining(['File ./work/a.txt', 'SymbolicLink ./escape -> /etc/shadow']));
    expect(entries.some((e) => e.includes('pipe'))).toBe(false);
    expect(entries).not.toContain('File ./escape');
    await runtime.destroy(handle);
    expect(await runtime.exportStorage(handle)).toBeNull();
  });

  it('restores an exported home into another instance (files, links, modes, owned by its user); refuses what is not a tar, and an instance without storage', async () => {
    const from = await runtime.start({ instanceId: nextId(), ownerKey: 'a', labKey: 'l', config });
    const made = await runtime.exec(from, config, ['/bin/sh', '-c', 'mkdir -p work && echo data > work/a.txt && chmod 600 work/a.txt && ln -s a.txt work/link']);
    expect(made.exitCode).toBe(0);
    const stream = await runtime.exportStorage(from);
    if (!stream) throw new Error('expected a stream');
    const archive = Buffer.concat(await stream.toArray());
    await runtime.destroy(from);

    const req = { instanceId: nextId(), ownerKey: 'b', labKey: 'l', config };
    const into = await runtime.start(req);
    await runtime.stop(into);
    await runtime.importStorage(into, Readable.from([archive]));
    await runtime.start(req);
    const seen = await runtime.exec(into, config, ['/bin/sh', '-c', 'cat work/a.txt; readlink work/link; stat -c "%a %u" work/a.txt; id -u']);
    const [content, link, mode, uid] = seen.stdout.trim().split('\n');
    expect([content, link, mode]).toEqual(['data', 'a.txt', `600 ${uid}`]);
    const notTar = await caught(runtime.importStorage(into, Readable.from([Buffer.from('not a tar archive at all\n'.repeat(40))])));
    expect(notTar.code).toBe('ARCHIVE_CORRUPT');
    await runtime.destroy(into);

    const error = await caught(runtime.importStorage({ runtime: 'local', instanceId: nextId(), uid: null }, Readable.from([archive])));
    expect({ code: error.code, field: error.field }).toEqual({ code: 'CONFLICT', field: 'instanceId' });
  });

  it('never builds a root sandbox from a handle whose uid is missing or outside the reserved range', async () => {
    const handle = await runtime.start({ instanceId: nextId(), ownerKey: 'a', labKey: 'l', config });
    for (const uid of [0, null, 1000]) {
      const error = await caught(runtime.exec({ ...handle, uid }, config, ['id', '-u']));
      expect({ code: error.code, field: error.field }).toEqual({ code: 'BAD_INPUT', field: 'runtimeHandle' });
    }
  });

  it('rejects an instance id that is not slug-safe with BAD_INPUT on instanceId', async () => {
    const error = await caught(runtime.start({ instanceId: '../../etc', ownerKey: 'a', labKey: 'l', config }));
    expect({ code: error.code, field: error.field }).toEqual({ code: 'BAD_INPUT', field: 'instanceId' });
  });

  it('checkAvailable names the bubblewrap package when bwrap is missing (explicit path or PATH lookup)', async () => {
    const explicit = await caught(new LocalRuntime({ dataDir, log, bwrapPath: '/nonexistent/bwrap' }).checkAvailable());
    expect(explicit.code).toBe('RUNTIME_UNAVAILABLE');
    expect(explicit.message).toContain('bubblewrap');
    const savedPath = process.env.PATH;
    process.env.PATH = '/nonexistent-bin';
    try {
      const viaPath = await caught(new LocalRuntime({ dataDir, log }).checkAvailable());
      expect(viaPath.code).toBe('RUNTIME_UNAVAILABLE');
      expect(viaPath.message).toContain('"bubblewrap"');
    } finally {
      process.env.PATH = savedPath;
    }
    await expect(runtime.checkAvailable()).resolves.toBeUndefined();
  });
});
