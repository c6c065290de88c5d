/**
 * The gateway in front of the real embedded runtime: LocalRuntime starts a lab instance, its
 * terminalTarget (the instance; the gateway reads the sandbox argv the runtime recorded) goes into the owner ticket, and the browser-side client
 * gets a shell inside the sandbox, including resume after a cut and shadowing by a teacher.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labConfigSchema } from '@autolabs/server/labs/lab-config';
import type { RuntimeHandle } from '@autolabs/server/runtime/lab-runtime';
import { LocalRuntime } from '@autolabs/server/runtime/local/local-runtime';
import { startGateway, type GatewayFixture } from '@autolabs/gateway/testing/gateway-fixture';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { CloseCode } from '@autolabs/gateway/protocol/wire';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';

const config = labConfigSchema.parse({
  apiVersion: 'autolabs.io/v1',
  kind: 'Lab',
  metadata: { name: 'gateway-lab', title: 'Gateway lab' },
  spec: {
    containers: [
      {
        name: 'shell',
        image: 'debian:12',
        terminal: true,
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
      },
    ],
    network: { internet: false },
  },
});

let dataDir: string;
let runtime: LocalRuntime;
let handle: RuntimeHandle;
let gw: GatewayFixture;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-gw-runtime-'));
  runtime = new LocalRuntime({ dataDir, log: pino({ level: 'silent' }) });
  await runtime.checkAvailable();
  handle = await runtime.start({ instanceId: randomUUID(), ownerKey: 'student-1', labKey: 'gateway-lab', config });
  gw = await startGateway({ localDataDir: dataDir });
});
afterAll(async () => {
  await gw?.close();
  if (handle) await runtime.destroy(handle);
  removeDataDir(dataDir);
});

describe('gateway with the local bubblewrap runtime', () => {
  it('opens a shell inside the sandbox, survives a cut with state intact, and lets a teacher watch', async () => {
    const target = runtime.terminalTarget(handle, config);
    const sid = randomUUID();
    const claims = { sid, labInstanceId: handle.instanceId, target };
    const owner = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket(claims), origin: gw.origin });
    owner.type('cd ~ && LAB_VAR=sandboxed; echo "user=$(id -un) host=$(hostname)"\r');
    await owner.waitForText('user=student host=gateway-lab', 20_000);
    owner.socket.terminate();

    const back = await WireClient.connect({
      url: gw.url,
      ticket: await gw.ownerTicket(claims),
      origin: gw.origin,
      resumeFrom: owner.lastSeq,
    });
    back.type('echo "var=$LAB_VAR pwd=$(pwd)"\r');
    await back.waitForText('var=sandboxed pwd=');
    expect(back.seqErrors).toEqual([]);

    const teacher = await WireClient.connect({
      url: gw.url,
      ticket: await gw.viewerTicket(sid, { labInstanceId: handle.instanceId }),
      origin: gw.origin,
    });
    await teacher.waitFor('snapshot', () => teacher.snapshots === 1);
    expect(teacher.text).toContain('var=sandboxed');
    back.type('exit\r');
    expect((await back.closed).code).toBe(CloseCode.SESSION_ENDED);
    expect((await teacher.closed).code).toBe(CloseCode.SESSION_ENDED);
  }, 60_000);
});
