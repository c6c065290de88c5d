/**
 * The local runtime's pod mode with real namespaces, overlays, supervisors and bubblewrap: every container
 * of a lab runs from its image, they share one network and find each other by name, a crashing container
 * is restarted and reported, and nothing of it is privileged on the host. Images come from BusyboxImages
 * (no registry needed here; the image store has its own tests against a real registry).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppError } from '@autolabs/common/errors/app-error';
import { labConfigSchema, type LabConfig } from '@autolabs/server/labs/lab-config';
import type { RuntimeHandle } from '@autolabs/server/runtime/lab-runtime';
import { LocalRuntime } from '@autolabs/server/runtime/local/local-runtime';
import { CONTAINER_UID_BASE } from '@autolabs/server/runtime/local/pod/pod-namespaces';
import { readTerminalLaunch } from '@autolabs/common/lab-access/local/sandbox-launch';
import { BusyboxImages } from '@autolabs/server/runtime/local/testing/busybox-images';
import { runScriptInPty } from '@autolabs/server/runtime/local/testing/pty-script';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';
import { waitFor } from '@autolabs/common/testing/wait-for';

function lab(extra: object[] = []): LabConfig {
  return labConfigSchema.parse({
    apiVersion: 'autolabs.io/v1',
    kind: 'Lab',
    metadata: { name: 'pod-lab', title: 'Pod lab' },
    spec: {
      containers: [
        { name: 'workstation', image: 'lab/shell:1', terminal: true },
        { name: 'web', image: 'lab/web:1', ports: [{ containerPort: 80 }], env: { GREETING: 'from the lab' } },
        ...extra,
      ],
      storage: { size: '64Mi', mountPath: '/home/student' },
    },
  });
}

const images = (dir: string) =>
  new BusyboxImages(dir, {
    'lab/web:1': { cmd: ['/bin/httpd', '-f', '-p', '80', '-h', '/www'], user: 'www' },
    'lab/crash:1': { cmd: ['/bin/sh', '-c', 'echo "starting on $(hostname)"; exit 3'] },
  });

describe('LocalRuntime pod mode (real namespaces, overlays and bubblewrap)', () => {
  let dataDir: string;
  let runtime: LocalRuntime;
  let handle: RuntimeHandle;
  const config = lab();

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-pod-'));
    runtime = new LocalRuntime({ dataDir, log: pino({ level: 'silent' }), images: images(path.join(dataDir, 'image')) });
    await runtime.checkAvailable();
    handle = await runtime.start({ instanceId: randomUUID(), ownerKey: 'student-1', labKey: 'pod-lab', config });
  });
  afterAll(async () => {
    if (handle) await runtime.destroy(handle);
    removeDataDir(dataDir);
  });

  const sh = (script: string, container?: string, cfg = config) => runtime.exec(handle, cfg, ['/bin/sh', '-c', script], { container, timeoutMs: 20_000 });

  it('runs every container from its image: the student reaches the web container by name, on the terminal container host name', async () => {
    const out = await sh('hostname; id -un; pwd; wget -qO- http://web/');
    expect(out.stdout).toBe('workstation\nstudent\n/home/student\nserved by the web container\n');
  });

  it("runs a container's main process as its image's user, with its env, as an unprivileged host uid", async () => {
    const out = await sh('id -u; echo "$GREETING"', 'web');
    expect(out.stdout).toBe('33\nfrom the lab\n');
    const httpd = execFileSync('ps', ['-eo', 'uid,args'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .find((f) => f[1] === '/bin/httpd');
    expect(httpd?.[0]).toBe(String(CONTAINER_UID_BASE + 33));
  });

  it('gives the terminal the student in the terminal container, with the lab storage as home', async () => {
    const launch = await readTerminalLaunch(dataDir, handle.instanceId);
    const out = await runScriptInPty(launch, 'echo "me=$(id -un) host=$(hostname) home=$HOME"; echo kept > ~/kept.txt');
    expect(out).toContain('me=student host=workstation home=/home/student');
    expect(fs.readFileSync(path.join(dataDir, 'labs', handle.instanceId, 'home', 'kept.txt'), 'utf8')).toBe('kept\n');
  });

  it('keeps the pod off the host: no host loopback service, no other network, no new user namespace', async () => {
    const out = await sh('nc 127.0.0.1 5432 </dev/null 2>/dev/null && echo REACHED-POSTGRES; ip -o link | wc -l; unshare -U true 2>/dev/null && echo NESTED; echo checked', 'web');
    expect(out.stdout).toBe('1\nchecked\n');
    expect(out.stdout).not.toContain('NESTED');
  });

  it('restarts a container whose main process exits and reports it as failing, with its exit code and output', async () => {
    const crashing = lab([{ name: 'flaky', image: 'lab/crash:1' }]);
    const other = await runtime.start({ instanceId: randomUUID(), ownerKey: 'student-2', labKey: 'pod-lab', config: crashing });
    try {
      await waitFor('the flaky container to be reported', async () => (await runtime.status(other)).phase === 'failed', 30_000);
      const status = await runtime.status(other);
      expect(status.reason).toMatch(/^container flaky: CrashLoopBackOff: exited with code 3 \(\d+ times\): starting on workstation/);
    } finally {
      await runtime.destroy(other);
    }
  });

  it('stop ends every process and unmounts the pod; start brings it back with the home kept', async () => {
    await runtime.stop(handle);
    expect(await runtime.status(handle)).toEqual({ phase: 'stopped' });
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain(`${handle.instanceId}/containers/`);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(`${handle.instanceId}/containers/web`);
    await runtime.start({ instanceId: handle.instanceId, ownerKey: 'student-1', labKey: 'pod-lab', config });
    const out = await sh('cat ~/kept.txt; wget -qO- http://web/');
    expect(out.stdout).toBe('kept\nserved by the web container\n');
  });

  it('fails a start whose image cannot be had with a reason naming it, leaving nothing running', async () => {
    const broken = lab([{ name: 'gone', image: 'autolabs/missing:1' }]);
    const id = randomUUID();
    const error = (await runtime.start({ instanceId: id, ownerKey: 'student-3', labKey: 'pod-lab', config: broken }).catch((e: unknown) => e)) as AppError;
    expect({ code: error.code, field: error.field }).toEqual({ code: 'RUNTIME_UNAVAILABLE', field: 'image' });
    expect(error.message).toBe('container gone: image autolabs/missing:1 does not exist. Build the bundled lab images on this machine with `npm run images` (or set LAB_IMAGE_REGISTRY).');
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(id);
  });
});
