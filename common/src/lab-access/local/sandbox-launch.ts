/**
 * How the gateway opens a terminal in a local sandbox without trusting the ticket with a command line.
 * A terminal ticket names only the instance (`{ kind: 'local-sandbox', instanceId }`); the argv is the one
 * the runtime itself wrote to `<dataDir>/labs/<id>/terminal.json` (0600, root's) when the instance started.
 * So whoever holds the ticket signing key can at most open the student's own sandbox of an instance that
 * exists and runs, never an argv of their choosing on the host.
 */
import { promises as fs } from 'node:fs';
import { z } from 'zod';
import { AppError } from '../../errors/app-error';
import type { TerminalTarget } from '../terminal-target';
import { instancePaths, type InstancePaths } from './instance-paths';
import { readInstanceState } from './instance-state';

export type PtyLaunch = Extract<TerminalTarget, { kind: 'pty' }>;

const launchSchema = z.strictObject({
  kind: z.literal('pty'),
  argv: z.array(z.string()).min(1),
  env: z.record(z.string(), z.string()),
  cwd: z.string(),
});

export async function writeTerminalLaunch(paths: InstancePaths, launch: PtyLaunch): Promise<void> {
  const tmp = `${paths.terminalLaunch}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(launch), { mode: 0o600 });
  await fs.rename(tmp, paths.terminalLaunch);
}

/** The recorded launch of a running instance; RUNTIME_UNAVAILABLE when there is no such instance running. */
export async function readTerminalLaunch(dataDir: string, instanceId: string): Promise<PtyLaunch> {
  const paths = instancePaths(dataDir, instanceId);
  const state = await readInstanceState(paths.stateFile);
  if (state.kind !== 'ok' || state.state.phase !== 'running') {
    throw new AppError('RUNTIME_UNAVAILABLE', 'this lab is not running; start it again', { field: 'target.instanceId', detail: { instanceId } });
  }
  let raw: string;
  try {
    raw = await fs.readFile(paths.terminalLaunch, 'utf8');
  } catch (e) {
    throw new AppError('RUNTIME_UNAVAILABLE', 'this lab has no terminal yet; start it again', { field: 'target.instanceId', cause: e });
  }
  const parsed = launchSchema.safeParse(parseJson(raw));
  if (!parsed.success) throw new AppError('RUNTIME_UNAVAILABLE', 'the terminal record of this lab is damaged; start it again', { field: 'target.instanceId' });
  return parsed.data;
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}
