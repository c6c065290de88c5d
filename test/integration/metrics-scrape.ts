/**
 * Reading Prometheus text as a scraper does, for the tests of /metrics: GET with the bearer token, and one
 * sample picked by name and exact label set.
 */
import { expect } from 'vitest';

export async function scrape(url: string, token: string): Promise<string> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

/** The value of the series `name` whose labels are exactly `labels`, or undefined when there is none. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    const wanted = Object.entries(labels);
    if (wanted.length === Object.keys(got).length && wanted.every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** Answers of /metrics to a scraper without the token, or with a wrong one: refused, and nothing measured shown. */
export async function expectRefused(url: string): Promise<void> {
  for (const headers of [{}, { authorization: 'Bearer not-the-token-0123456789' }] as Record<string, string>[]) {
    const res = await fetch(url, { headers });
    expect(res.status, JSON.stringify(headers)).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await res.text()).not.toContain('autolabs_');
  }
}
