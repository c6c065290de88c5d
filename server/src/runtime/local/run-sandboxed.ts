/**
 * Runs one batch sandbox to completion. Output is capped so a check that prints forever cannot exhaust
 * the worker's memory; on timeout the wrapper (bubblewrap itself) is killed, which ends the sandbox's PID
 * namespace, and the result reports exit code 124 like coreutils' `timeout`.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

const MAX_OUTPUT_BYTES = 1024 * 1024;
export const TIMEOUT_EXIT_CODE = 124;

export function runSandboxed(
  argv: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], bytes: { stdout: 0, stderr: 0 } };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].on('data', (chunk: Buffer) => {
        if (out.bytes[stream] >= MAX_OUTPUT_BYTES) return;
        out[stream].push(chunk.subarray(0, MAX_OUTPUT_BYTES - out.bytes[stream]));
        out.bytes[stream] += chunk.length;
      });
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out.stdout).toString('utf8');
      let stderr = Buffer.concat(out.stderr).toString('utf8');
      if (timedOut) stderr += `${stderr === '' || stderr.endsWith('\n') ? '' : '\n'}timed out after ${timeoutMs} ms\n`;
      const exitCode = timedOut ? TIMEOUT_EXIT_CODE : (code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
      resolve({ exitCode, stdout, stderr });
    });
  });
}
