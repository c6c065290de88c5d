import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../config/env';
import { makeLogger } from './run-process';

/** Collects what a logger writes; `isTTY` makes it look like a terminal to LOG_FORMAT=auto. */
function capture(isTTY = false): Writable & { isTTY?: boolean; text: () => string } {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { isTTY?: boolean; text: () => string };
  out.isTTY = isTTY;
  out.text = () => chunks.join('');
  return out;
}

const env = (LOG_FORMAT: string) => envSchema.parse({ LOG_FORMAT });

describe('makeLogger', () => {
  it('writes JSON lines when the output is not a terminal (auto), with secrets redacted', () => {
    const out = capture(false);
    makeLogger(env('auto'), 'autolabs', out).info({ user: 'ada', password: 'hunter2' }, 'signed in');
    const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ name: 'autolabs', msg: 'signed in', user: 'ada', password: '[redacted]' });
  });

  it('writes one readable line on a terminal (auto) and with LOG_FORMAT=pretty, secrets redacted too', () => {
    for (const [format, tty] of [['auto', true], ['pretty', false]] as const) {
      const out = capture(tty);
      makeLogger(env(format), 'autolabs', out).info({ user: 'ada', password: 'hunter2' }, 'signed in');
      const text = out.text();
      expect(() => JSON.parse(text)).toThrow();
      expect(text).toMatch(/INFO.*autolabs.*signed in/);
      expect(text).toContain('[redacted]');
      expect(text).not.toContain('hunter2');
    }
  });

  it('LOG_FORMAT=json stays JSON even on a terminal', () => {
    const out = capture(true);
    makeLogger(env('json'), 'autolabs', out).warn('careful');
    expect(JSON.parse(out.text().trim())).toMatchObject({ level: 40, msg: 'careful' });
  });
});
