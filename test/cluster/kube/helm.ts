/** Runs the cached helm binary against the test cluster; resolves with its exit code and output. */
import { execFile } from 'node:child_process';
import { repoRoot, toolPath } from '../tools';

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function helm(kubeconfig: string, args: string[], timeoutMs = 180_000): Promise<HelmResult> {
  return new Promise((resolve, reject) => {
    execFile(
      toolPath('helm', 'HELM_VERSION'),
      args,
      { cwd: repoRoot, env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return reject(err);
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      },
    );
  });
}
