/**
 * The ssh2 terminal backend end to end: the local runtime in pod mode starts the linux-basics lab from the
 * image `npm run images` builds (its own sshd as the container's main process) with `terminal.backend:
 * ssh`; the runtime gives that sshd the platform key and pins the host key it published at start; the
 * real gateway opens the ticket's ssh target through the pod's network and the browser-side client gets
 * the student's shell over SSH. A ticket pinning another host key is refused.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackendOpener } from '@autolabs/gateway/backends/backend-opener';
import { CloseCode } from '@autolabs/gateway/protocol/wire';
import { startGateway, type GatewayFixture } from '@autolabs/gateway/testing/gateway-fixture';
import { ed25519Pair } from '@autolabs/gateway/testing/loopback-sshd';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';
import { parseLabConfig, type LabConfig } from '@autolabs/server/labs/lab-config';
import type { RuntimeHandle } from '@autolabs/server/runtime/lab-runtime';
import type { TerminalTarget } from '@autolabs/common/lab-access/terminal-target';
import { ImageStore } from '@autolabs/server/runtime/local/images/image-store';
import { LocalRuntime } from '@autolabs/server/runtime/local/local-runtime';
import { CONTAINER_UID_BASE } from '@autolabs/server/runtime/local/pod/pod-namespaces';

const ROOT = path.resolve(__dirname, '../..');
const log = pino({ level: 'silent' });
const platformKey = ed25519Pair('autolabs-platform');

let dataDir: string;
let runtime: LocalRuntime;
let handle: RuntimeHandle | null = null;
let gw: GatewayFixture;
let config: LabConfig;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-ssh-pod-'));
  // From the build cache: a copy into this data directory's local layout (a cold build takes minutes).
  execFileSync('bash', ['lab-images/build.sh', 'linux-basics'], { cwd: ROOT, env: { ...process.env, AUTOLABS_DATA_DIR: dataDir, LAB_IMAGE_REGISTRY: '' }, stdio: 'inherit' });
  const registry = { rewrites: [], insecure: [], authFile: null };
  runtime = new LocalRuntime({ dataDir, log, images: new ImageStore({ dataDir, registry, uidBase: CONTAINER_UID_BASE, log }), labSshPublicKey: platformKey.public });
  const bundled = parseLabConfig(fs.readFileSync(path.join(ROOT, 'lab-configs', 'linux-basics.yaml'), 'utf8'));
  config = { ...bundled, spec: { ...bundled.spec, terminal: { backend: 'ssh' } } };
  handle = await runtime.start({ instanceId: randomUUID(), ownerKey: 'student', labKey: 'linux-basics', config });
  gw = await startGateway({ backends: createBackendOpener({ localDataDir: dataDir, labSshPrivateKey: platformKey.private }) });
}, 600_000);

afterAll(async () => {
  await gw?.close();
  if (handle) await runtime.destroy(handle);
  removeDataDir(dataDir);
}, 300_000);

function sshTarget(): Extract<TerminalTarget, { kind: 'ssh' }> {
  const target = runtime.terminalTarget(handle!, config);
  if (target.kind !== 'ssh') throw new Error(`expected an ssh target, got ${target.kind}`);
  return target;
}

describe('a pod-mode lab reached through the gateway with the ssh2 backend', () => {
  it('says nothing about the terminal on the lab page with the platform key, and that it stays a sandbox without one', () => {
    expect(runtime.limitations(config)).toEqual([]);
    const keyless = new LocalRuntime({ dataDir, log, images: new ImageStore({ dataDir, registry: { rewrites: [], insecure: [], authFile: null }, uidBase: CONTAINER_UID_BASE, log }) });
    expect(keyless.limitations(config)).toEqual(['The terminal opens in a local sandbox, not over SSH: this runtime has no platform key (LAB_SSH_PUBLIC_KEY).']);
    expect(keyless.terminalTarget(handle!, config)).toEqual({ kind: 'local-sandbox', instanceId: handle!.instanceId });
  });

  it("pins the host key the lab's sshd published at start in an ssh target into the pod", () => {
    expect(sshTarget()).toEqual({ kind: 'ssh', host: '127.0.0.1', port: 22, username: 'student', hostKey: expect.stringMatching(/^ssh-ed25519 [A-Za-z0-9+/]+=*$/), localPod: handle!.instanceId });
  });

  it("gives the student's shell over SSH: echo, the hello size, a resize and the exit code", async () => {
    const ticket = await gw.ownerTicket({ sid: randomUUID(), labInstanceId: handle!.instanceId, target: sshTarget() });
    const owner = await WireClient.connect({ url: gw.url, ticket, origin: gw.origin, cols: 101, rows: 33 });
    owner.type('echo "user=$(id -un) host=$(hostname) via=${SSH_CONNECTION:+ssh}"; stty size\r');
    await owner.waitForText('user=student host=shell via=ssh', 20_000).catch((e: Error) => {
      throw new Error(`${e.message}; gateway said ${JSON.stringify(owner.controlsOf('error'))}; sshd: ${fs.readFileSync(path.join(dataDir, 'labs', handle!.instanceId, 'containers', 'shell', 'log'), 'utf8').slice(-1500)}`);
    });
    await owner.waitForText('33 101');
    owner.sendControl({ type: 'resize', cols: 120, rows: 40 });
    owner.type('stty size\r');
    await owner.waitForText('40 120');
    owner.type('exit 3\r');
    expect((await owner.closed).code).toBe(CloseCode.SESSION_ENDED);
    expect(owner.control('exit')).toMatchObject({ code: 3 });
  }, 60_000);

  it('refuses a ticket that pins another host key with HOST_KEY_MISMATCH', async () => {
    const target = { ...sshTarget(), hostKey: ed25519Pair('impostor').public };
    const ticket = await gw.ownerTicket({ sid: randomUUID(), labInstanceId: handle!.instanceId, target });
    const owner = await WireClient.connect({ url: gw.url, ticket, origin: gw.origin });
    expect((await owner.closed).code).toBe(CloseCode.BACKEND_FAILED);
    expect(owner.control('error')).toMatchObject({ code: 'HOST_KEY_MISMATCH' });
  }, 60_000);
});
