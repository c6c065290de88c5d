/**
 * A worker process for the "killed mid-job" test: real services, but its runtime (HangingStartRuntime)
 * starts the sandbox and then never returns, so the lab.start job stays unacknowledged until the test
 * kills this process. Prints `READY` once consuming and `IN_START <instanceId>` when it is mid-job.
 * Usage: node --import tsx hanging-start-worker.ts '<FixtureNames as JSON>'
 */
import type { LabRuntime, ProgressEvent, RuntimeHandle, StartRequest } from '../../runtime/lab-runtime';
import { startWorkers } from '../index';
import { silentLogger } from '../../infra/database/testing/silent-logger';
import { connectWorkerServices, type FixtureNames } from './worker-fixture';

class HangingStartRuntime implements LabRuntime {
  readonly name: LabRuntime['name'];

  constructor(private readonly inner: LabRuntime) {
    this.name = inner.name;
  }

  checkAvailable = () => this.inner.checkAvailable();
  status = (h: RuntimeHandle) => this.inner.status(h);
  stop = (h: RuntimeHandle) => this.inner.stop(h);
  destroy = (h: RuntimeHandle) => this.inner.destroy(h);
  terminalTarget: LabRuntime['terminalTarget'] = (h, c) => this.inner.terminalTarget(h, c);
  exec: LabRuntime['exec'] = (h, c, cmd, o) => this.inner.exec(h, c, cmd, o);

  async start(req: StartRequest, onProgress?: (e: ProgressEvent) => void): Promise<RuntimeHandle> {
    await this.inner.start(req, onProgress);
    process.stdout.write(`IN_START ${req.instanceId}\n`);
    return new Promise<RuntimeHandle>(() => {});
  }
}

const names = JSON.parse(process.argv[2] ?? '{}') as FixtureNames;
const services = await connectWorkerServices(names, (r) => new HangingStartRuntime(r));
await startWorkers(services, { log: silentLogger(), periodicIntervalMs: 0, prefetch: 1 });
process.stdout.write('READY\n');
