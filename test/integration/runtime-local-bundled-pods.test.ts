/**
 * Every bundled lab as written, in the local runtime's pod mode: the images `npm run images` builds (from
 * its content cache; a cold build takes minutes), every container running from its own image on the
 * pod's network, and the lab's checks going from failing to passing once a scripted student has done
 * the tasks of its description in the terminal container.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLabConfig, type LabConfig } from '@autolabs/server/labs/lab-config';
import { runLabChecks } from '@autolabs/server/labs/run-checks';
import type { RuntimeHandle } from '@autolabs/server/runtime/lab-runtime';
import { ImageStore } from '@autolabs/server/runtime/local/images/image-store';
import { LocalRuntime } from '@autolabs/server/runtime/local/local-runtime';
import { CONTAINER_UID_BASE } from '@autolabs/server/runtime/local/pod/pod-namespaces';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';
import { BUNDLED_LAB_STUDENTS, studentScript } from '../fixtures/bundled-lab-students';

const ROOT = path.resolve(__dirname, '../..');
const log = pino({ level: 'silent' });

describe('bundled labs in pod mode, from the images npm run images builds', () => {
  let dataDir: string;
  let runtime: LocalRuntime;
  const started: RuntimeHandle[] = [];

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-bundled-pods-'));
    // No registry: the images land in this data directory's local layout, as on a teacher's laptop.
    execFileSync('bash', ['lab-images/build.sh'], { cwd: ROOT, env: { ...process.env, AUTOLABS_DATA_DIR: dataDir, LAB_IMAGE_REGISTRY: '' }, stdio: 'inherit' });
    const registry = { rewrites: [], insecure: [], authFile: null };
    runtime = new LocalRuntime({ dataDir, log, images: new ImageStore({ dataDir, registry, uidBase: CONTAINER_UID_BASE, log }) });
  }, 3_600_000);

  // Destroying three labs (their unpacked images) took over two minutes on a busy 2-core machine.
  afterAll(async () => {
    for (const h of started) await runtime.destroy(h).catch(() => undefined);
    removeDataDir(dataDir);
  }, 600_000);

  for (const name of Object.keys(BUNDLED_LAB_STUDENTS)) {
    it(`${name}: every container runs from its image, and the checks pass once the student's work is done`, async () => {
      const config: LabConfig = parseLabConfig(fs.readFileSync(path.join(ROOT, 'lab-configs', `${name}.yaml`), 'utf8'));
      const handle = await runtime.start({ instanceId: randomUUID(), ownerKey: 'student', labKey: name, config });
      started.push(handle);
      expect(await runtime.status(handle)).toEqual({ phase: 'running' });

      const before = await runLabChecks(runtime, handle, config);
      expect(before.filter((r) => r.passed).map((r) => r.name)).toEqual(BUNDLED_LAB_STUDENTS[name].passingBefore);

      const work = await runtime.exec(handle, config, ['bash', '-c', studentScript(name)], { timeoutMs: 60_000 });
      expect({ exitCode: work.exitCode, stderr: work.stderr }).toEqual({ exitCode: 0, stderr: '' });
      const after = await runLabChecks(runtime, handle, config);
      expect(after.filter((r) => !r.passed)).toEqual([]);

      const terminal = config.spec.containers.find((c) => c.terminal)?.name;
      const who = await runtime.exec(handle, config, ['sh', '-c', 'id -un; hostname']);
      expect(who.stdout).toBe(`student\n${terminal}\n`);
    }, 600_000);
  }
});
