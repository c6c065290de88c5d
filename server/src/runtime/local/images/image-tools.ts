/**
 * Running skopeo, umoci and flock. A tool that is not installed is reported with the Debian package that
 * provides it; a tool that fails hands back its stderr for the caller to turn into a message.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { findInPath, OUTER_ENV } from '@autolabs/common/lab-access/local/host-tools';
import { missingToolError } from './image-errors';

export const IMAGE_TOOLS = { skopeo: 'skopeo', umoci: 'umoci', flock: 'util-linux' } as const;
export type ImageTool = keyof typeof IMAGE_TOOLS;

const STDERR_LIMIT = 64 * 1024;
/** Passed through so an operator's proxy settings reach the registry. */
const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

export class ToolFailure extends Error {
  constructor(
    readonly tool: ImageTool,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${tool} exited with ${exitCode}: ${stderr.slice(-500)}`);
  }
}

/** Absolute path of the tool, looked up in PATH now; throws AppError RUNTIME_UNAVAILABLE naming the package. */
export function toolPath(tool: ImageTool): string {
  const found = findInPath(tool);
  if (found === null) throw missingToolError(tool, IMAGE_TOOLS[tool]);
  return found;
}

export function toolEnv(home: string, tmpDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...OUTER_ENV, HOME: home, TMPDIR: tmpDir };
  for (const name of PROXY_VARS) if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}

/** Runs the tool to the end; resolves on exit 0, rejects with ToolFailure otherwise. `onLine` sees stdout lines. */
export function runTool(tool: ImageTool, args: string[], opts: { env: NodeJS.ProcessEnv; onLine?: (line: string) => void }): Promise<void> {
  const file = toolPath(tool);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_LIMIT);
    });
    createInterface({ input: child.stdout }).on('line', (line) => opts.onLine?.(line));
    child.once('error', (e) => reject((e as NodeJS.ErrnoException).code === 'ENOENT' ? missingToolError(tool, IMAGE_TOOLS[tool]) : e));
    child.once('close', (code) => (code === 0 ? resolve() : reject(new ToolFailure(tool, code, stderr.trim()))));
  });
}
