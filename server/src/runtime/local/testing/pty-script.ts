/**
 * Runs one line of shell in a terminal the way the gateway opens it (node-pty over the recorded launch),
 * and resolves with everything the terminal printed up to an end marker, carriage returns removed.
 */
import * as pty from 'node-pty';
import type { PtyLaunch } from '@autolabs/common/lab-access/local/sandbox-launch';

export function runScriptInPty(launch: PtyLaunch, script: string): Promise<string> {
  return new Promise((resolve) => {
    const term = pty.spawn(launch.argv[0], launch.argv.slice(1), { env: launch.env, cwd: launch.cwd, cols: 120, rows: 40 });
    let output = '';
    term.onData((d) => {
      output += d;
      if (output.includes('__DONE__')) term.kill('SIGKILL');
    });
    term.onExit(() => resolve(output.replace(/\r/g, '')));
    // Quoted so the typed line's echo does not count as the marker.
    term.write(`${script}; echo __""DONE__\r`);
  });
}
