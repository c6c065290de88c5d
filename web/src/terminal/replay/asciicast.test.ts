import { describe, expect, it } from 'vitest';
import { CastFormatError, parseCast } from './asciicast';

const header = JSON.stringify({ version: 2, width: 80, height: 24, timestamp: 1700000000 });

describe('parseCast', () => {
  it('reads the header and events with times in milliseconds', () => {
    const cast = parseCast(`${header}\n[0.5, "o", "hi"]\n[1.25, "o", "\\r\\n"]\n`);
    expect(cast.header).toEqual({ version: 2, width: 80, height: 24, timestamp: 1700000000 });
    expect(cast.events).toEqual([
      { at: 500, code: 'o', data: 'hi' },
      { at: 1250, code: 'o', data: '\r\n' },
    ]);
    expect(cast.durationMs).toBe(1250);
  });

  it('skips the headers of later chunks', () => {
    const cast = parseCast(`${header}\n[0.1, "o", "a"]\n${header}\n[0.2, "o", "b"]\n`);
    expect(cast.events.map((e) => e.data)).toEqual(['a', 'b']);
  });

  it('names the line of a malformed event', () => {
    expect(() => parseCast(`${header}\n[0.1, "o", "a"]\n[0.2, "o"\n`)).toThrow(CastFormatError);
    expect(() => parseCast(`${header}\n[0.1, "o", "a"]\n[0.2, "o"\n`)).toThrow('line 3: not JSON');
  });

  it('refuses other versions and events before a header', () => {
    expect(() => parseCast('{"version":1,"width":80,"height":24}\n')).toThrow('version 2');
    expect(() => parseCast('[0.1, "o", "a"]\n')).toThrow('event before the header');
  });
});
