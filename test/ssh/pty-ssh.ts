/** An OpenSSH client in a real pseudo-terminal (node-pty), as a person at a terminal runs `ssh -tt`. */
import { spawn as spawnPty, type IPty } from 'node-pty';
import { requireTool } from './ssh-tools';

export class PtySsh {
  output = '';
  readonly exited: Promise<number>;
  private readonly pty: IPty;
  constructor(args: string[], size: { cols: number; rows: number }) {
    this.pty = spawnPty(requireTool('ssh'), ['-tt', ...args], { cols: size.cols, rows: size.rows, env: { TERM: 'xterm', PATH: process.env.PATH ?? '' } });
    this.pty.onData((d) => (this.output += d));
    this.exited = new Promise((resolve) => this.pty.onExit(({ exitCode }) => resolve(exitCode)));
  }
  type(text: string): void {
    this.pty.write(text);
  }
  resize(cols: number, rows: number): void {
    this.pty.resize(cols, rows);
  }
  /** The client vanishes (laptop lid closed): no exit typed, the connection just drops. */
  kill(): void {
    this.pty.kill('SIGKILL');
  }
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.output);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in:\n${this.output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
