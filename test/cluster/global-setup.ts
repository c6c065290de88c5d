/**
 * Global setup of the `cluster` vitest project: reuses a running test cluster, or builds (cached) and starts
 * one with cluster-up.sh; at teardown the last test run using a cluster that tests started stops it. Any
 * failure throws, so the cluster tests fail instead of skipping.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { parseClusterEnv } from './cluster-env';
import { registerUser, unregisterUser } from './cluster-users';

const here = path.dirname(fileURLToPath(import.meta.url));

function run(script: string, args: string[] = []): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    // stderr carries build and start-up progress; show it as it happens (a cold build takes a while).
    const child = spawn('bash', [path.join(here, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const check = await run('cluster-up.sh', ['--check']);
  const reused = check.code === 0;
  const up = reused ? check : await run('cluster-up.sh');
  if (up.code !== 0) throw new Error(`cluster-up.sh failed with exit code ${up.code} (its log is above)`);
  project.provide('cluster', parseClusterEnv(up.stdout));
  registerUser(!reused);

  return async () => {
    if (!unregisterUser()) return;
    const down = await run('cluster-down.sh');
    if (down.code !== 0) throw new Error(`cluster-down.sh failed with exit code ${down.code}`);
  };
}
