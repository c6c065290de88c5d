import { describe, expect, it } from 'vitest';
import { BackendEvents } from './backend-events';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (chunks: Uint8Array[]) => chunks.map((c) => new TextDecoder().decode(c)).join('');

describe('BackendEvents', () => {
  it('hands output that came before any subscriber to the first one only, then live output to all', () => {
    const events = new BackendEvents();
    events.emitData(bytes('prompt$ '));
    const first: Uint8Array[] = [];
    const second: Uint8Array[] = [];
    events.onData((c) => first.push(c));
    events.onData((c) => second.push(c));
    events.emitData(bytes('ls'));
    expect(text(first)).toBe('prompt$ ls');
    expect(text(second)).toBe('ls');
  });

  it('delivers the first exit once, also to a subscriber that comes after it, and stops a disposed one', async () => {
    const events = new BackendEvents();
    const seen: (number | null)[] = [];
    const gone = events.onExit(() => seen.push(-1));
    gone.dispose();
    events.onExit((s) => seen.push(s.code));
    events.emitExit({ code: 3, signal: null });
    events.emitExit({ code: 9, signal: null });
    const late = new Promise<number | null>((resolve) => events.onExit((s) => resolve(s.code)));
    expect(await late).toBe(3);
    await events.exited;
    expect(seen).toEqual([3]);
    expect(events.exitStatus).toEqual({ code: 3, signal: null });
  });
});
