import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { blockedOrGone, writerCommand } from '../testing/blocked-writer';
import { bashTarget } from '../testing/test-tickets';
import { LocalPtyBackend } from './local-pty-backend';
import type { ExitStatus } from './terminal-backend';

const target = bashTarget() as Extract<ReturnType<typeof bashTarget>, { kind: 'pty' }>;

function collect(backend: LocalPtyBackend) {
  const out = { text: '', bytes: 0 };
  const decoder = new TextDecoder();
  backend.onData((chunk) => {
    out.bytes += chunk.byteLength;
    out.text += decoder.decode(chunk, { stream: true });
  });
  return out;
}

describe('LocalPtyBackend', () => {
  it('runs the target, delivers its output as bytes and applies a resize', async () => {
    const pty = await LocalPtyBackend.open(target, { cols: 80, rows: 24 });
    const out = collect(pty);
    pty.write('stty size\r');
    await waitFor('initial size', () => out.text.includes('24 80'));
    pty.resize({ cols: 132, rows: 43 });
    pty.write('stty size\r');
    await waitFor('new size', () => out.text.includes('43 132'));
    await pty.close();
  });

  it('reports the exit status exactly once when the process exits by itself', async () => {
    const pty = await LocalPtyBackend.open(target, { cols: 80, rows: 24 });
    const exits: ExitStatus[] = [];
    pty.onExit((s) => exits.push(s));
    pty.write('exit 7\r');
    await waitFor('exit', () => exits.length > 0);
    await pty.close();
    pty.write('ignored after exit');
    expect(exits).toEqual([{ code: 7, signal: null }]);
  });

  it('kills the process on close and reports the signal', async () => {
    const pty = await LocalPtyBackend.open(target, { cols: 80, rows: 24 });
    const exits: ExitStatus[] = [];
    pty.onExit((s) => exits.push(s));
    await pty.close();
    await pty.close();
    expect(exits).toHaveLength(1);
    expect(exits[0].signal).toBe('SIGHUP');
  });

  it('stops delivering output while paused and delivers the rest, in order, after resume', async () => {
    const pty = await LocalPtyBackend.open(target, { cols: 80, rows: 24 });
    const out = collect(pty);
    pty.write('stty -echo; echo go""ne\r');
    await waitFor('prompt', () => out.text.includes('gone'));
    pty.pause();
    const pausedAt = out.bytes;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pty-pause-'));
    const pidFile = path.join(dir, 'seq.pid');
    try {
      pty.write(`${writerCommand(pidFile, 'seq 1 50000')}\r`);
      // seq sleeps only when the terminal takes no more output (nobody reads it); unpaused, it finishes.
      const seq = await blockedOrGone(pidFile, 'seq');
      // One more event-loop turn: output waiting on the terminal is read in it, unless paused.
      await new Promise((r) => setImmediate(r));
      // The 300 kB of numbers were not read.
      expect(out.bytes - pausedAt).toBeLessThan(20_000);
      expect(seq).toBe('blocked');
      pty.resume();
      await waitFor('all numbers', () => out.text.includes('\r\n50000\r\n'));
      const numbers = out.text.match(/^\d+\r$/gm)!.map((l) => Number(l.slice(0, -1)));
      expect(numbers).toEqual(Array.from({ length: 50000 }, (_, i) => i + 1));
      await pty.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('delivers input in order when the pty takes part of it at once and the rest later', async () => {
    const pty = await LocalPtyBackend.open(target, { cols: 80, rows: 24 });
    const out = collect(pty);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pty-input-'));
    const file = path.join(dir, 'input');
    // Keystrokes and pastes far beyond what the pty's input buffer holds, as they come: small and large.
    const sizes = [1, 3, 70_000, 1, 1, 150_000, 2, 20_000, 1];
    const input = Uint8Array.from({ length: sizes.reduce((a, b) => a + b, 0) }, (_, i) => 32 + (i % 90));
    try {
      pty.write(`stty raw -echo; echo rea""dy; head -c ${input.byteLength} > ${file}; echo do""ne\r`);
      await waitFor('ready', () => out.text.includes('ready'));
      let at = 0;
      for (const n of sizes) {
        pty.write(input.subarray(at, at + n));
        at += n;
      }
      await waitFor('head read it all', () => out.text.includes('done'), 20_000);
      expect(new Uint8Array(readFileSync(file))).toEqual(input);
      await pty.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports the input a program has not read yet as write backlog', async () => {
    const pty = await LocalPtyBackend.open(target, { cols: 80, rows: 24 });
    const out = collect(pty);
    // From the marker on, bash runs the rest of the line and nobody reads the terminal's input.
    pty.write('stty -echo -icanon; echo rea""dy; sleep 30\r');
    await waitFor('ready', () => out.text.includes('ready'));
    expect(pty.writeBacklogBytes).toBe(0);
    const written = 32 * 64 * 1024;
    for (let i = 0; i < 32; i++) pty.write(new Uint8Array(64 * 1024).fill(0x61));
    // The terminal took what its buffer holds; the rest waits, unread.
    await waitFor('the terminal took part of the input', () => pty.writeBacklogBytes < written);
    expect(pty.writeBacklogBytes).toBeGreaterThan(1024 * 1024);
    await pty.close();
  });

  it('refuses a program that does not exist with RUNTIME_UNAVAILABLE', async () => {
    await expect(LocalPtyBackend.open({ ...target, argv: ['/nonexistent/shell'] }, { cols: 80, rows: 24 })).rejects.toMatchObject({
      code: 'RUNTIME_UNAVAILABLE',
    });
  });
});
