import { describe, expect, it } from 'vitest';
import { instanceLabelValue, instanceNames, shortHash } from './names';

const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

describe('instance names', () => {
  it('are readable, carry a hash of the instance id, and add a suffix per object', () => {
    const h = shortHash('i-1');
    expect(instanceNames({ instanceId: 'i-1', labKey: 'linux-basics', ownerKey: 'u-alice' })).toEqual({
      pod: `lab-linux-basics-u-alice-${h}`,
      service: `lab-linux-basics-u-alice-${h}-ssh`,
      networkPolicy: `lab-linux-basics-u-alice-${h}-policy`,
      pvc: `lab-linux-basics-u-alice-${h}-storage`,
    });
  });

  it('stay DNS-safe and within 63 characters for long, odd keys', () => {
    const names = instanceNames({ instanceId: 'x'.repeat(300), labKey: 'A Very Long Lab Name With Spaces!!!'.repeat(4), ownerKey: 'g-Ünïcode Group___' });
    for (const name of Object.values(names)) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(DNS_1035);
    }
  });

  it('differ for two instances of the same student and lab', () => {
    const a = instanceNames({ instanceId: 'one', labKey: 'lab', ownerKey: 'u-bob' });
    const b = instanceNames({ instanceId: 'two', labKey: 'lab', ownerKey: 'u-bob' });
    expect(a.pod).not.toBe(b.pod);
  });

  it('are stable: the same instance id gives the same names every time', () => {
    const req = { instanceId: 'abc', labKey: 'lab', ownerKey: 'u-bob' };
    expect(instanceNames(req)).toEqual(instanceNames(req));
  });
});

describe('instance label value', () => {
  it('is the instance id itself when it is a valid label value (a UUID)', () => {
    expect(instanceLabelValue('0b6f1e0c-8a7e-4c61-9b0e-2f6d1a0c9e11')).toBe('0b6f1e0c-8a7e-4c61-9b0e-2f6d1a0c9e11');
  });

  it('is a bounded slug plus hash for ids that are not valid label values', () => {
    const id = `Weird/ID with spaces ${'y'.repeat(80)}`;
    const value = instanceLabelValue(id);
    expect(value.length).toBeLessThanOrEqual(63);
    expect(value).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(value.endsWith(shortHash(id))).toBe(true);
  });
});
