import { describe, expect, it } from 'vitest';
import { cpuMillis, memoryMi, parseDuration, parseQuantity } from './quantity';

describe('parseQuantity', () => {
  it('reads CPU in cores from millicores and whole or fractional cores', () => {
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('1')).toBe(1);
    expect(parseQuantity('0.25')).toBe(0.25);
  });

  it('reads memory in bytes with binary and decimal suffixes', () => {
    expect(parseQuantity('512Mi')).toBe(512 * 1024 * 1024);
    expect(parseQuantity('1Gi')).toBe(1024 ** 3);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('64k')).toBe(64_000);
  });

  it('rejects anything else with BAD_INPUT', () => {
    for (const bad of ['', 'lots', '1.5.2', '12 Mi', '-1', '1mi']) {
      expect(() => parseQuantity(bad), bad).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    }
  });

  it('converts to millicores and mebibytes, rounding up', () => {
    expect(cpuMillis('250m')).toBe(250);
    expect(cpuMillis('0.5')).toBe(500);
    expect(cpuMillis('2')).toBe(2000);
    expect(memoryMi('1Gi')).toBe(1024);
    expect(memoryMi('500M')).toBe(477);
  });
});

describe('parseDuration', () => {
  it('returns milliseconds for single and combined units', () => {
    expect(parseDuration('30m')).toBe(30 * 60_000);
    expect(parseDuration('2h')).toBe(2 * 3_600_000);
    expect(parseDuration('1h30m')).toBe(90 * 60_000);
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('250ms')).toBe(250);
  });

  it('rejects durations without a unit or with unknown units', () => {
    for (const bad of ['30', '2 hours', 'h', '1w', '']) {
      expect(() => parseDuration(bad), bad).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    }
  });
});
