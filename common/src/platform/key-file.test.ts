import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readOrCreateKeyFile } from './key-file';

let dir: string;
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readOrCreateKeyFile', () => {
  it('gives every one of many callers at once the same whole value, never a file still being written', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-keyfile-'));
    let made = 0;
    const make = () => `key-${++made}-${'x'.repeat(1024 * 1024)}`;
    // Callers arriving one after another while the first is still writing (a process whose parts each
    // load the key as they start), not all before anything happened.
    const calls: Promise<string>[] = [];
    for (let i = 0; i < 200; i++) {
      calls.push(readOrCreateKeyFile(dir, 'k', make));
      await new Promise((r) => setImmediate(r));
    }
    const values = await Promise.all(calls);
    const stored = await readFile(path.join(dir, 'keys', 'k'), 'utf8');
    expect(stored).toMatch(/^key-\d+-x{1048576}$/);
    expect(new Set(values)).toEqual(new Set([stored]));
    // The drafts of the callers that lost are gone.
    expect(await readdir(path.join(dir, 'keys'))).toEqual(['k']);
  });
});
