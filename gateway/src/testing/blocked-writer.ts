/**
 * Test helper: makes "the terminal takes no more output" observable, so a test of pausing need not wait a
 * fixed time. A program that only writes (seq, yes) sleeps only when its write to the terminal blocks,
 * i.e. when nobody reads the terminal and its buffer is full; /proc shows that state. Linux only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { waitFor } from '@autolabs/common/testing/wait-for';

/** A shell command line that records its pid in `pidFile`, then becomes `program` (same pid). */
export function writerCommand(pidFile: string, program: string): string {
  return `sh -c 'echo $$ > ${pidFile}; exec ${program}'`;
}

/** Name and state letter (R running, S sleeping, Z zombie) of process `pid`, or null once it is gone. */
function procState(pid: number): { comm: string; state: string } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const m = /^\d+ \((.*)\) (\S)/.exec(stat);
  return m ? { comm: m[1], state: m[2] } : null;
}

/**
 * Waits until the program started by `writerCommand(pidFile, ...)` and named `comm` is blocked writing
 * ('blocked'), or has finished ('gone': everything it wrote was read).
 */
export async function blockedOrGone(pidFile: string, comm: string, timeoutMs = 10_000): Promise<'blocked' | 'gone'> {
  await waitFor(`${pidFile} written`, () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), timeoutMs);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  let result: 'blocked' | 'gone' = 'gone';
  await waitFor(
    `${comm} (pid ${pid}) blocked on the terminal, or finished`,
    () => {
      const p = procState(pid);
      if (p === null || p.state === 'Z') return true;
      if (p.comm !== comm || p.state !== 'S') return false;
      result = 'blocked';
      return true;
    },
    timeoutMs,
  );
  return result;
}
