import { describe, expect, it } from 'vitest';
import {
  CloseCode,
  FrameType,
  LIMITS,
  PROTOCOL_VERSION,
  decodeClientControl,
  decodeClientFrame,
  decodeServerControl,
  decodeServerFrame,
  encodeControl,
  encodeInputFrame,
  encodeServerFrame,
} from './wire';

const hello = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, ticket: 't.t.t', cols: 80, rows: 24, ...extra });

describe('binary frames', () => {
  it('round-trips an output frame with its seq and payload', () => {
    const payload = new TextEncoder().encode('hello\r\n');
    const frame = encodeServerFrame(FrameType.output, 0xfffffffe, payload);
    const decoded = decodeServerFrame(frame);
    expect(decoded).toEqual({ ok: true, value: { type: FrameType.output, seq: 0xfffffffe, payload } });
  });

  it('decodes a frame that is a view into a larger buffer', () => {
    const frame = encodeServerFrame(FrameType.snapshot, 7, new Uint8Array([65, 66]));
    const big = new Uint8Array(frame.byteLength + 10);
    big.set(frame, 3);
    const decoded = decodeServerFrame(big.subarray(3, 3 + frame.byteLength));
    expect(decoded.ok && decoded.value.seq).toBe(7);
    expect(decoded.ok && Array.from(decoded.value.payload)).toEqual([65, 66]);
  });

  it('round-trips input from a string', () => {
    const decoded = decodeClientFrame(encodeInputFrame('ls\r'));
    expect(decoded.ok && new TextDecoder().decode(decoded.value)).toBe('ls\r');
  });

  it('refuses an unknown client frame type as malformed', () => {
    const decoded = decodeClientFrame(new Uint8Array([0xff, 1, 2]));
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.fault.close).toBe(CloseCode.MALFORMED_FRAME);
  });

  it('refuses an empty client frame and a short server frame', () => {
    expect(decodeClientFrame(new Uint8Array(0)).ok).toBe(false);
    expect(decodeServerFrame(new Uint8Array([1, 0, 0])).ok).toBe(false);
  });

  it('refuses a client frame over the frame limit with MESSAGE_TOO_BIG', () => {
    const decoded = decodeClientFrame(new Uint8Array(LIMITS.maxFrameBytes + 1));
    expect(!decoded.ok && decoded.fault.close).toBe(CloseCode.MESSAGE_TOO_BIG);
  });
});

describe('control messages', () => {
  it('accepts a hello with resumeFrom', () => {
    expect(decodeClientControl(hello({ resumeFrom: 42 }))).toEqual({
      ok: true,
      value: { type: 'hello', v: PROTOCOL_VERSION, ticket: 't.t.t', cols: 80, rows: 24, resumeFrom: 42 },
    });
  });

  it('refuses a hello of another protocol version with PROTOCOL_VERSION', () => {
    const d = decodeClientControl(hello({ v: 99 }));
    expect(!d.ok && d.fault).toMatchObject({ close: CloseCode.PROTOCOL_VERSION, field: 'v' });
  });

  it('refuses a hello without ticket naming the field', () => {
    const d = decodeClientControl(hello({ ticket: '' }));
    expect(!d.ok && d.fault).toMatchObject({ close: CloseCode.BAD_HELLO, code: 'BAD_INPUT', field: 'ticket' });
  });

  it('refuses resize to 0 or 100000 columns naming cols, as a recoverable fault', () => {
    for (const cols of [0, 100000, 1.5, -3]) {
      const d = decodeClientControl(JSON.stringify({ type: 'resize', cols, rows: 24 }));
      expect(!d.ok && d.fault).toMatchObject({ code: 'BAD_INPUT', field: 'cols', recoverable: true });
    }
    const rows = decodeClientControl(JSON.stringify({ type: 'resize', cols: 80, rows: LIMITS.maxRows + 1 }));
    expect(!rows.ok && rows.fault.field).toBe('rows');
  });

  it('refuses non-JSON, arrays, untyped and unknown messages as malformed', () => {
    for (const text of ['{', '[1]', '"x"', '{"a":1}', '{"type":"launch-missiles"}']) {
      const d = decodeClientControl(text);
      expect(!d.ok && d.fault.close).toBe(CloseCode.MALFORMED_FRAME);
    }
  });

  it('refuses a control message over maxControlBytes with FRAME_TOO_LARGE', () => {
    const d = decodeClientControl(hello({ pad: 'x'.repeat(LIMITS.maxControlBytes) }));
    expect(!d.ok && d.fault.close).toBe(CloseCode.FRAME_TOO_LARGE);
  });

  it('refuses an ack with a negative byte count', () => {
    const d = decodeClientControl(JSON.stringify({ type: 'ack', seq: 3, bytes: -1 }));
    expect(!d.ok && d.fault.field).toBe('bytes');
  });

  it('accepts an ack that says the client is idle, and refuses an idle that is not a boolean naming idle', () => {
    expect(decodeClientControl(JSON.stringify({ type: 'ack', seq: 3, bytes: 9, idle: true }))).toEqual({ ok: true, value: { type: 'ack', seq: 3, bytes: 9, idle: true } });
    expect(decodeClientControl(JSON.stringify({ type: 'ack', seq: 3, bytes: 9, idle: false }))).toEqual({ ok: true, value: { type: 'ack', seq: 3, bytes: 9 } });
    const d = decodeClientControl(JSON.stringify({ type: 'ack', seq: 3, bytes: 9, idle: 'yes' }));
    expect(!d.ok && d.fault.field).toBe('idle');
  });

  it('drops unknown fields from accepted messages', () => {
    const d = decodeClientControl(JSON.stringify({ type: 'grant-control', userId: 'u1', extra: true }));
    expect(d).toEqual({ ok: true, value: { type: 'grant-control', userId: 'u1' } });
  });

  it('decodes server messages the gateway encodes and refuses unknown types', () => {
    const text = encodeControl({ type: 'exit', code: 0, signal: null });
    expect(decodeServerControl(text)).toEqual({ ok: true, value: { type: 'exit', code: 0, signal: null } });
    expect(decodeServerControl('{"type":"nope"}').ok).toBe(false);
  });

  it('keeps every custom close code inside 4000-4999', () => {
    const custom = Object.values(CloseCode).filter((c) => c >= 4000);
    expect(custom.every((c) => c <= 4999)).toBe(true);
    expect(new Set(custom).size).toBe(custom.length);
  });
});
