/**
 * A worker killed in the middle of lab.start: RabbitMQ redelivers the unacknowledged job to another worker,
 * which converges on the sandbox the dead worker already created, and the instance ends `running` with
 * exactly one recorded start. The dead worker is a real separate process killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../../server/src/workers';
import type { Disposable } from '@autolabs/common/disposable';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { silentLogger } from '../../server/src/infra/database/testing/silent-logger';
import { handleOf } from '../../server/src/runtime/runtime-handle';
import { createWorkerFixture, labYaml, seedClassroom, seedDeployment, type WorkerFixture } from '../../server/src/workers/testing/worker-fixture';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const childScript = path.join(repoRoot, 'server/src/workers/testing/hanging-start-worker.ts');

function spawnHangingWorker(fx: WorkerFixture): { child: ChildProcess; saw: (line: string) => boolean } {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, JSON.stringify(fx.names)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, saw: (line) => out.includes(line) };
}

describe('workers: a worker killed mid-job (real RabbitMQ, separate process)', () => {
  let fx: WorkerFixture;
  let survivor: Disposable | undefined;
  let hanging: ChildProcess | undefined;

  beforeAll(async () => {
    fx = await createWorkerFixture('workers_redeliver');
  });

  afterAll(async () => {
    hanging?.kill('SIGKILL');
    await survivor?.dispose();
    await fx?.close();
  });

  it('redelivers lab.start to another worker and the instance ends running, started exactly once', async () => {
    const room = await seedClassroom(fx, labYaml('redelivery-lab'), 1);
    const dep = await seedDeployment(fx, room, { owners: room.studentIds });
    const id = dep.instances[0].id;
    const worker = spawnHangingWorker(fx);
    hanging = worker.child;
    await waitFor('child worker consuming', () => worker.saw('READY'), 30_000);
    await fx.services.queue.publish('lab.deploy', { deploymentId: dep.id });
    await waitFor('child worker mid-way through lab.start', () => worker.saw(`IN_START ${id}`), 20_000);
    const prisma = fx.services.db.prisma;
    expect((await prisma.labInstance.findUniqueOrThrow({ where: { id } })).status).toBe('starting');
    const stateBefore = JSON.parse(fs.readFileSync(path.join(fx.names.dataDir, 'labs', id, 'state.json'), 'utf8'));

    const exited = new Promise((resolve) => worker.child.once('exit', resolve));
    worker.child.kill('SIGKILL');
    await exited;
    survivor = await startWorkers(fx.services, { log: silentLogger(), periodicIntervalMs: 0 });
    await waitFor('instance running after redelivery', async () => (await prisma.labInstance.findUniqueOrThrow({ where: { id } })).status === 'running', 20_000);

    const row = await prisma.labInstance.findUniqueOrThrow({ where: { id } });
    expect(row.runtimeHandle).toMatchObject({ runtime: 'local', instanceId: id });
    expect(await fx.services.runtime.status(handleOf(row))).toEqual({ phase: 'running' });
    expect(await prisma.auditLog.count({ where: { action: 'lab.instance.start', targetId: id, outcome: 'success' } })).toBe(1);
    const stateAfter = JSON.parse(fs.readFileSync(path.join(fx.names.dataDir, 'labs', id, 'state.json'), 'utf8'));
    // The survivor found the sandbox the dead worker made and kept it ("already running" is an outcome).
    expect(stateAfter.startedAt).toBe(stateBefore.startedAt);
    expect(await fx.services.queue.deadLetters('lab.start')).toEqual([]);
  });
});
