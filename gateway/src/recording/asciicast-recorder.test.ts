import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDirObjectStore } from '@autolabs/common/object-store/local-dir-object-store';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import { RECORDING_CHANNEL } from '@autolabs/common/session-store/session-store';
import { waitFor } from '@autolabs/common/testing/wait-for';
import type { ObjectStore } from '@autolabs/common/object-store/object-store';
import { AsciicastRecorder, type RecorderOptions, type RecordingAnnouncement } from './asciicast-recorder';
import { asciicastHeader, outputEvent, resizeEvent } from './asciicast';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('asciicast lines', () => {
  it('writes a v2 header with width, height and a unix timestamp', () => {
    expect(JSON.parse(asciicastHeader({ cols: 100, rows: 30 }, 1_700_000_000_123))).toEqual({
      version: 2,
      width: 100,
      height: 30,
      timestamp: 1_700_000_000,
      env: { TERM: 'xterm-256color' },
    });
  });

  it('writes output and resize events with relative seconds', () => {
    expect(outputEvent(1500.25, 'hi\n')).toBe('[1.50025,"o","hi\\n"]\n');
    expect(resizeEvent(2000, { cols: 90, rows: 20 })).toBe('[2,"r","90x20"]\n');
  });
});

describe('AsciicastRecorder', () => {
  let dir: string;
  let objects: LocalDirObjectStore;
  let sessions: MemorySessionStore;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-gw-rec-'));
    objects = new LocalDirObjectStore({ root: dir });
    await objects.ensureBucket('recordings');
    sessions = new MemorySessionStore();
  });
  afterEach(async () => {
    await sessions.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = (chunkBytes: number, more: Partial<RecorderOptions> = {}) =>
    new AsciicastRecorder({
      objectStore: objects,
      bucket: 'recordings',
      sessionStore: sessions,
      log: pino({ level: 'silent' }),
      sessionId: 'sess-1',
      ownerId: 'user-1',
      labInstanceId: 'inst-1',
      size: { cols: 80, rows: 24 },
      chunkBytes,
      ...more,
    });

  it('streams chunks whose concatenation is a valid cast with every byte, even split UTF-8', async () => {
    const announced: RecordingAnnouncement[] = [];
    await sessions.subscribe(RECORDING_CHANNEL, (m) => announced.push(m as RecordingAnnouncement));
    const rec = start(200);
    const euro = bytes('€');
    for (let i = 0; i < 50; i++) rec.output(bytes(`line ${i}\r\n`));
    rec.output(euro.subarray(0, 1));
    rec.output(euro.subarray(1));
    rec.resize({ cols: 120, rows: 40 });
    await rec.finish();

    const keys = (await objects.list('recordings', rec.prefix)).map((o) => o.key);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(keys.every((k) => /^sess-1\/\d+\/\d{6}\.cast$/.test(k))).toBe(true);
    const cast = (await Promise.all(keys.map((k) => objects.get('recordings', k)))).map((b) => b.toString('utf8')).join('');
    const [header, ...events] = cast.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(header).toMatchObject({ version: 2, width: 80, height: 24 });
    const output = events.filter((e) => e[1] === 'o').map((e) => e[2]).join('');
    expect(output).toBe(Array.from({ length: 50 }, (_, i) => `line ${i}\r\n`).join('') + '€');
    expect(events.at(-2)).toEqual([expect.any(Number), 'r', '120x40']);
    // It ends with a marker at the announced duration, so the cast lasts as long as the list says.
    expect(events.at(-1)).toEqual([expect.any(Number), 'm', 'end']);
    const times = events.map((e) => e[0] as number);
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    // The store delivers in publish order: once a marker published after finish() arrives, every
    // announcement of this recording has arrived too.
    await sessions.publish(RECORDING_CHANNEL, { type: 'marker' });
    await waitFor('the marker', () => announced.some((a) => (a.type as string) === 'marker'));
    expect(announced.slice(0, -1).map((a) => a.type)).toEqual(['started', 'finished']);
    expect(announced[1]).toMatchObject({ sessionId: 'sess-1', ownerId: 'user-1', labInstanceId: 'inst-1', prefix: rec.prefix, bytes: Buffer.byteLength(cast) });
    expect(announced[1].durationMs).toBe(Math.round((events.at(-1)[0] as number) * 1000));
  });

  it('grows its chunk while the store is busy, and holds the shell only when the store falls two megabytes behind', async () => {
    /** A store whose puts finish only when the test lets them. */
    const puts: { bytes: number; settled: boolean; done: () => void }[] = [];
    const busyStore = {
      put: (_bucket: string, _key: string, body: Buffer) =>
        new Promise<void>((done) => puts.push({ bytes: body.byteLength, settled: false, done })),
    } as unknown as ObjectStore;
    /** Lets every put issued so far finish, and those they lead to, until `until` holds. */
    const settle = async (until: () => boolean) => {
      while (!until()) {
        for (const p of puts.filter((q) => !q.settled)) {
          p.settled = true;
          p.done();
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const backlog: boolean[] = [];
    const rec = start(1000, { objectStore: busyStore, sessionId: 'sess-2', onBacklog: (b) => backlog.push(b) });
    const line = bytes(`${'y'.repeat(99)}\n`);
    for (let i = 0; i < 20; i++) rec.output(line);
    // The first chunk went at 1000 bytes; the rest waits for it, in one growing chunk.
    await waitFor('the first put', () => puts.length === 1);
    expect(backlog).toEqual([]);
    for (let i = 0; i < 15_000; i++) rec.output(line);
    expect(backlog).toEqual([]);
    for (let i = 0; i < 5_000; i++) rec.output(line);
    expect(backlog).toEqual([true]);
    expect(puts.length).toBeLessThanOrEqual(3);
    puts[0].settled = true;
    puts[0].done();
    await waitFor('the grown chunk', () => puts.length >= 2);
    expect(puts[1].bytes).toBeGreaterThan(100_000);
    await settle(() => backlog.at(-1) === false);
    let finished = false;
    void rec.finish().then(() => (finished = true));
    await settle(() => finished);
    expect(puts.reduce((n, p) => n + p.bytes, 0)).toBeGreaterThan(20_020 * 100);
  });

  it('with its default chunk size, holds the shell once two megabytes wait for a store that does not answer', async () => {
    const stalled = { put: () => new Promise<void>(() => {}) } as unknown as ObjectStore;
    const backlog: boolean[] = [];
    const rec = start(1000, { objectStore: stalled, sessionId: 'sess-3', chunkBytes: undefined, onBacklog: (b) => backlog.push(b) });
    const line = bytes(`${'y'.repeat(99)}\n`);
    for (let i = 0; i < 15_000; i++) rec.output(line);
    expect(backlog).toEqual([]);
    for (let i = 0; i < 5_000; i++) rec.output(line);
    expect(backlog).toEqual([true]);
  });
});
