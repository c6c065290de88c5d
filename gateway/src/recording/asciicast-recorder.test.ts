import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDirObjectStore } from '@autolabs/server/infra/object-store/local-dir-object-store';
import { MemorySessionStore } from '@autolabs/server/infra/session-store/memory-session-store';
import { RECORDING_CHANNEL } from '@autolabs/server/infra/session-store/session-store';
import { waitFor } from '@autolabs/server/infra/testing/wait-for';
import { AsciicastRecorder, type RecordingAnnouncement } from './asciicast-recorder';
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

  const start = (chunkBytes: number) =>
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
    expect(keys.length).toBeGreaterThan(2);
    expect(keys.every((k) => /^sess-1\/\d+\/\d{6}\.cast$/.test(k))).toBe(true);
    const cast = (await Promise.all(keys.map((k) => objects.get('recordings', k)))).map((b) => b.toString('utf8')).join('');
    const [header, ...events] = cast.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(header).toMatchObject({ version: 2, width: 80, height: 24 });
    const output = events.filter((e) => e[1] === 'o').map((e) => e[2]).join('');
    expect(output).toBe(Array.from({ length: 50 }, (_, i) => `line ${i}\r\n`).join('') + '€');
    expect(events.at(-1)).toEqual([expect.any(Number), 'r', '120x40']);
    const times = events.map((e) => e[0] as number);
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    // The store delivers in publish order: once a marker published after finish() arrives, every
    // announcement of this recording has arrived too.
    await sessions.publish(RECORDING_CHANNEL, { type: 'marker' });
    await waitFor('the marker', () => announced.some((a) => (a.type as string) === 'marker'));
    expect(announced.slice(0, -1).map((a) => a.type)).toEqual(['started', 'finished']);
    expect(announced[1]).toMatchObject({ sessionId: 'sess-1', ownerId: 'user-1', labInstanceId: 'inst-1', prefix: rec.prefix, bytes: Buffer.byteLength(cast) });
  });
});
