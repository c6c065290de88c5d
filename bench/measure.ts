/** The measurements themselves, each against any BenchTerminal. */
import { waitForOutput, type BenchTerminal } from './terminals';

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const ECHO_WARMUP_SAMPLES = 300;

/**
 * Keystroke echo round trip at the shell prompt: type a character, wait for readline's echo, erase it
 * with DEL (and wait for that echo too, so the line never grows). Only the first leg is a sample.
 */
export async function echoRoundTrips(term: BenchTerminal, samples: number): Promise<number[]> {
  const ready = waitForOutput(term, 'bench-ready');
  term.write("echo bench-''ready\r");
  await ready;
  await new Promise((r) => setTimeout(r, 100));
  const out: number[] = [];
  // The first samples warm up the code on both ends (JIT): whichever terminal went first paid for it.
  for (let i = -ECHO_WARMUP_SAMPLES; i < samples; i++) {
    const echoed = waitForOutput(term, 'a', 5000);
    const t0 = performance.now();
    term.write('a');
    await echoed;
    if (i >= 0) out.push(performance.now() - t0);
    const erased = waitForOutput(term, '\b', 5000);
    term.write('\x7f');
    await erased;
  }
  return out;
}

/** MB/s (10^6 bytes) of terminal output from `yes` through `head -c`, measured at the receiving end. */
export async function throughput(term: BenchTerminal, bytes: number): Promise<{ mbps: number; seconds: number; received: number }> {
  const ready = waitForOutput(term, 'tp-ready');
  term.write("echo tp-''ready\r");
  await ready;
  const done = waitForOutput(term, 'TP-DONE', 300_000);
  const start = term.bytes();
  const t0 = performance.now();
  term.write(`yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c ${bytes}; echo TP-""DONE\r`);
  await done;
  const seconds = (performance.now() - t0) / 1000;
  const received = term.bytes() - start;
  return { mbps: received / 1e6 / seconds, seconds, received };
}

const PROMPT = 'ctrlc-prompt> ';

/**
 * Ctrl-C during `yes`: start it, let it flood for `floodMs` (long enough to fill any credit window),
 * press Ctrl-C, and time until the next prompt is seen. Everything already in flight has to be shown
 * before the prompt, so this is what the credit window costs a user who interrupts a runaway program.
 */
export async function ctrlCLatencies(term: BenchTerminal, samples: number, floodMs = 300): Promise<number[]> {
  // The echoed command shows `ctrlc-""prompt`, so only the new prompt itself matches PROMPT.
  const ready = waitForOutput(term, PROMPT);
  term.write('PS1="ctrlc-""prompt> "\r');
  await ready;
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const flooding = waitForOutput(term, 'y\r\ny\r\ny', 10_000);
    term.write('yes\r');
    await flooding;
    await new Promise((r) => setTimeout(r, floodMs));
    const prompt = waitForOutput(term, PROMPT, 30_000);
    const t0 = performance.now();
    term.write('\x03');
    await prompt;
    out.push(performance.now() - t0);
  }
  return out;
}
