/**
 * Attacks on the embedded install's sandbox, tried for real: real bubblewrap as root (setuid mode), the
 * real gateway opening terminals the way the embedded process does. Each test is one path from a teacher's
 * lab file, a student's shell or a stolen signing key towards the host, and shows that it is closed.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labConfigSchema, type LabConfig } from '@autolabs/server/labs/lab-config';
import type { RuntimeHandle } from '@autolabs/server/runtime/lab-runtime';
import type { TerminalTarget } from '@autolabs/common/lab-access/terminal-target';
import { LocalRuntime } from '@autolabs/server/runtime/local/local-runtime';
import { readTerminalLaunch } from '@autolabs/common/lab-access/local/sandbox-launch';
import { runScriptInPty } from '@autolabs/server/runtime/local/testing/pty-script';
import { createBackendOpener } from '@autolabs/gateway/backends/backend-opener';
import { startGateway, type GatewayFixture } from '@autolabs/gateway/testing/gateway-fixture';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { CloseCode } from '@autolabs/gateway/protocol/wire';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';

function lab(storageSize = '64Mi', memory = '256Mi'): LabConfig {
  return labConfigSchema.parse({
    apiVersion: 'autolabs.io/v1',
    kind: 'Lab',
    metadata: { name: 'attack-lab', title: 'Attack lab' },
    spec: {
      containers: [
        { name: 'shell', image: 'debian:12', terminal: true, resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory } } },
      ],
      storage: { size: storageSize, mountPath: '/home/student' },
    },
  });
}

/** The lab a teacher would write if validation let LD_PRELOAD through: the runtime must hold on its own. */
function withPreload(config: LabConfig, library: string): LabConfig {
  const [shell] = config.spec.containers;
  return { ...config, spec: { ...config.spec, containers: [{ ...shell, env: { LD_PRELOAD: library } }] } };
}

/** A shared library that records, from every process that loads it, its uid and effective capabilities. */
const PRELOAD_SOURCE = `
#include <stdio.h>
#include <string.h>
#include <unistd.h>
__attribute__((constructor)) static void record(void) {
  char line[256], caps[64] = "?";
  FILE *status = fopen("/proc/self/status", "r");
  while (status && fgets(line, sizeof line, status)) if (strncmp(line, "CapEff:", 7) == 0) sscanf(line + 7, "%63s", caps);
  if (status) fclose(status);
  FILE *log = fopen("/home/student/preload.log", "a");
  if (log) { fprintf(log, "uid=%d caps=%s\\n", (int)geteuid(), caps); fclose(log); }
}
`;

describe('local sandbox attacks (real bubblewrap, root mode)', () => {
  let dataDir: string;
  let runtime: LocalRuntime;
  let handle: RuntimeHandle;
  let home: string;
  const config = lab();

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-attack-'));
    runtime = new LocalRuntime({ dataDir, log: pino({ level: 'silent' }) });
    await runtime.checkAvailable();
    handle = await runtime.start({ instanceId: randomUUID(), ownerKey: 'student-1', labKey: 'attack-lab', config });
    home = path.join(dataDir, 'labs', handle.instanceId, 'home');
  });
  afterAll(async () => {
    if (handle) await runtime.destroy(handle);
    removeDataDir(dataDir);
  });

  const sh = (script: string, cfg = config) => runtime.exec(handle, cfg, ['/bin/bash', '-c', script], { timeoutMs: 30_000 });

  it("runs a teacher's LD_PRELOAD only as the student: no privileged process loads it", async () => {
    const source = path.join(dataDir, 'preload.c');
    fs.writeFileSync(source, PRELOAD_SOURCE);
    // What the attack's check did: put a library into the home, where the lab's env points.
    const library = path.join(home, 'x.so');
    execFileSync('gcc', ['-shared', '-fPIC', '-o', library, source]);
    const uid = (handle as unknown as { uid: number }).uid;
    fs.chownSync(library, uid, uid);
    const attack = withPreload(config, '/home/student/x.so');

    const check = await sh('id -u', attack);
    expect(check.stdout.trim()).toBe(String(uid));
    // The terminal's argv is recorded at start, so the terminal path needs an instance started with the lab.
    const preloaded = await runtime.start({ instanceId: randomUUID(), ownerKey: 'student-2', labKey: 'attack-lab', config: attack });
    const preloadedHome = path.join(dataDir, 'labs', preloaded.instanceId, 'home');
    const preloadedUid = (preloaded as unknown as { uid: number }).uid;
    fs.copyFileSync(library, path.join(preloadedHome, 'x.so'));
    fs.chownSync(path.join(preloadedHome, 'x.so'), preloadedUid, preloadedUid);
    await runScriptInPty(await readTerminalLaunch(dataDir, preloaded.instanceId), 'id -u');
    const terminalLoads = fs.readFileSync(path.join(preloadedHome, 'preload.log'), 'utf8').trim().split('\n');
    await runtime.destroy(preloaded);
    expect(terminalLoads.length).toBeGreaterThan(0);
    expect(terminalLoads.filter((l) => l !== `uid=${preloadedUid} caps=0000000000000000`)).toEqual([]);

    const loads = fs.readFileSync(path.join(home, 'preload.log'), 'utf8').trim().split('\n');
    expect(loads.length).toBeGreaterThan(0);
    expect(loads.filter((l) => l !== `uid=${uid} caps=0000000000000000`)).toEqual([]);
  });

  it('cannot create user namespaces inside the sandbox', async () => {
    const out = await sh('unshare -Urm true 2>&1 && echo NESTED-MOUNT; unshare -U true 2>&1 && echo NESTED-USER; echo done');
    expect(out.stdout).not.toContain('NESTED');
    expect(out.stdout).toContain('done');
  });

  it('enforces storage.size as a quota on the home: writing past it fails with ENOSPC and the host disk does not fill', async () => {
    const out = await sh('for i in 1 2 3; do head -c 40M /dev/zero > ~/fill-$i || echo "FAILED-$i"; done; rm -f ~/fill-*; echo alive');
    expect(out.stderr).toContain('No space left on device');
    expect(out.stdout).toContain('FAILED-2');
    expect(out.stdout).toContain('alive');
    const used = Number(execFileSync('du', ['-sb', home], { encoding: 'utf8' }).split('\t')[0]);
    expect(used).toBeLessThan(64 * 2 ** 20);
  });

  it('tells the teacher that without quota volumes (not root) storage.size caps single files only', () => {
    const plain = new LocalRuntime({ dataDir, log: pino({ level: 'silent' }), diskQuota: false });
    expect(plain.limitations(config)).toContain('AutoLabs does not run as root here, so storage.size (64Mi) limits single files only, not the whole home.');
    expect(runtime.limitations(config).join(' ')).not.toContain('storage.size');
  });

  it('bounds /tmp without killing the session: writing more than the memory limit fails with ENOSPC and the shell goes on', async () => {
    const out = await sh('head -c 700M /dev/zero > /tmp/big; echo "write-exit=$?"; rm -f /tmp/big; echo alive');
    expect(out.exitCode).toBe(0);
    expect(out.stderr).toContain('No space left on device');
    expect(out.stdout).toMatch(/write-exit=1\nalive/);
  });
});

describe('a stolen ticket key is not a shell on the host', () => {
  let dataDir: string;
  let gw: GatewayFixture;
  const marker = path.join(os.tmpdir(), `autolabs-pwned-${randomUUID()}`);

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-forged-'));
    // The gateway as the embedded process builds it: terminals only through the local runtime's launcher.
    gw = await startGateway({ backends: createBackendOpener({ localDataDir: dataDir }) });
  });
  afterAll(async () => {
    await gw?.close();
    removeDataDir(dataDir);
    fs.rmSync(marker, { force: true });
  });

  it('refuses a forged owner ticket whose target is an argv of its own, and runs nothing', async () => {
    const target = { kind: 'pty', argv: ['/bin/sh', '-c', `id > ${marker}`], env: {}, cwd: '/' } as TerminalTarget;
    const client = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket({ target }), origin: gw.origin });
    const closed = await client.closed;
    expect(closed.code).toBe(CloseCode.FORBIDDEN);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('opens a local sandbox only for an instance that exists and runs', async () => {
    const target: TerminalTarget = { kind: 'local-sandbox', instanceId: randomUUID() };
    const client = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket({ target }), origin: gw.origin });
    expect((await client.closed).code).toBe(CloseCode.BACKEND_FAILED);
    expect(client.controls.flatMap((c) => (c.type === 'error' ? [c.code] : []))).toEqual(['RUNTIME_UNAVAILABLE']);
  });
});
