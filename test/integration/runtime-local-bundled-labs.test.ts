/**
 * The bundled linux-basics lab, as a student meets it: in a real bubblewrap sandbox, every check fails on
 * a fresh lab and every check passes once the tasks in its description are done.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLabConfig, type LabConfig } from '@autolabs/server/labs/lab-config';
import { runLabChecks } from '@autolabs/server/labs/run-checks';
import type { RuntimeHandle } from '@autolabs/server/runtime/lab-runtime';
import { LocalRuntime } from '@autolabs/server/runtime/local/local-runtime';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';

const log = pino({ level: 'silent' });
let dataDir: string;
let runtime: LocalRuntime;
let config: LabConfig;
let handle: RuntimeHandle;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-bundled-'));
  runtime = new LocalRuntime({ dataDir, log });
  config = parseLabConfig(fs.readFileSync(path.resolve(__dirname, '../../lab-configs/linux-basics.yaml'), 'utf8'));
  handle = await runtime.start({ instanceId: crypto.randomUUID(), ownerKey: 'student', labKey: 'linux-basics', config });
});

afterAll(async () => {
  if (handle) await runtime.destroy(handle).catch(() => undefined);
  removeDataDir(dataDir);
});

describe('linux-basics in a local sandbox', () => {
  it('fails every check on a fresh lab', async () => {
    const results = await runLabChecks(runtime, handle, config);
    expect(results).toHaveLength(config.spec.checks.length);
    expect(results.filter((r) => r.passed).map((r) => r.name)).toEqual([]);
  });

  it('passes every check after the tasks of its description are done', async () => {
    const work = [
      'mkdir -p ~/project ~/answers',
      'echo "hello linux" > ~/project/notes.txt',
      'chmod 600 ~/project/notes.txt',
      'grep -c tcp /etc/services > ~/answers/tcp-count.txt',
      'ln -s notes.txt ~/project/latest',
    ].join(' && ');
    const done = await runtime.exec(handle, config, ['sh', '-c', work]);
    expect(done.stderr).toBe('');
    expect(done.exitCode).toBe(0);
    const results = await runLabChecks(runtime, handle, config);
    expect(results.filter((r) => !r.passed)).toEqual([]);
  });

  it('does not accept an empty answer for the tcp count', async () => {
    await runtime.exec(handle, config, ['sh', '-c', ': > ~/answers/tcp-count.txt']);
    const results = await runLabChecks(runtime, handle, config);
    expect(results.find((r) => r.name === 'tcp line count is correct')?.passed).toBe(false);
  });

  it("$EDITOR names an editor the lab has, also when the host's files (without nano) stand in for the image", async () => {
    expect(config.spec.containers[0].env?.EDITOR).toBe('nano');
    const found = await runtime.exec(handle, config, ['sh', '-c', 'command -v "$EDITOR"']);
    expect(found, 'command -v "$EDITOR" in the lab').toMatchObject({ exitCode: 0 });
    expect(found.stdout.trim()).toMatch(/^\//);
  });

  it('runs a command in the terminal container named explicitly, and refuses a container it does not run', async () => {
    const named = await runtime.exec(handle, config, ['echo', 'in-shell'], { container: 'shell' });
    expect(named).toMatchObject({ exitCode: 0, stdout: 'in-shell\n' });
    await expect(runtime.exec(handle, config, ['true'], { container: 'database' })).rejects.toMatchObject({
      code: 'RUNTIME_UNAVAILABLE',
      field: 'container',
    });
  });
});
