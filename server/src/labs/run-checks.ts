/**
 * Runs a lab's checks in a running instance and judges each one by its `expect` (exit code, stdout). A
 * check that cannot run counts as failed with the reason as its output; only a runtime that cannot run
 * commands at all (NOT_AVAILABLE_YET) stops the whole run.
 */
import type { FastifyBaseLogger } from 'fastify';
import { isAppError } from '@autolabs/common/errors/app-error';
import { checkRunDuration, checkRuns } from '../ops/lab-metrics';
import type { LabRuntime, RuntimeHandle } from '../runtime/lab-runtime';
import { parseDuration, type LabConfig } from './lab-config';

const CHECK_OUTPUT_LIMIT = 4000;
const DEFAULT_CHECK_TIMEOUT_MS = 30_000;

/** A type alias, not an interface, so it stays assignable to Prisma's JSON input. */
export type CheckResult = {
  name: string;
  passed: boolean;
  exitCode: number | null;
  output: string;
  /** The check's `hint` from the lab config (teacher-written Markdown), null without one. */
  hint: string | null;
};

export async function runLabChecks(
  runtime: LabRuntime,
  handle: RuntimeHandle,
  config: LabConfig,
  log?: FastifyBaseLogger,
): Promise<CheckResult[]> {
  const end = checkRunDuration.startTimer();
  try {
    const results = await runEach(runtime, handle, config, log);
    checkRuns.inc({ outcome: results.every((r) => r.passed) ? 'passed' : 'failed' });
    return results;
  } catch (e) {
    checkRuns.inc({ outcome: 'error' });
    throw e;
  } finally {
    end();
  }
}

async function runEach(runtime: LabRuntime, handle: RuntimeHandle, config: LabConfig, log?: FastifyBaseLogger): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of config.spec.checks) {
    try {
      const out = await runtime.exec(handle, config, check.command, {
        timeoutMs: check.timeout ? parseDuration(check.timeout) : DEFAULT_CHECK_TIMEOUT_MS,
        container: check.container,
      });
      const exitOk = out.exitCode === (check.expect?.exitCode ?? 0);
      const stdoutOk = check.expect?.stdoutContains === undefined || out.stdout.includes(check.expect.stdoutContains);
      results.push({ name: check.name, passed: exitOk && stdoutOk, exitCode: out.exitCode, output: (out.stdout + out.stderr).slice(-CHECK_OUTPUT_LIMIT), hint: check.hint ?? null });
    } catch (e) {
      if (isAppError(e) && e.code === 'NOT_AVAILABLE_YET') throw e;
      log?.warn({ err: e, instanceId: handle.instanceId, check: check.name }, 'lab check could not run');
      results.push({ name: check.name, passed: false, exitCode: null, output: isAppError(e) ? e.message : 'the check could not run', hint: check.hint ?? null });
    }
  }
  return results;
}
