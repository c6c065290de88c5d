import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLabConfig } from './lab-config';
import { labResources } from './lab-resources';

const bundled = (name: string) => parseLabConfig(readFileSync(new URL(`../../../lab-configs/${name}.yaml`, import.meta.url), 'utf8'));

describe('labResources', () => {
  it('sums the limits of every container of a lab', () => {
    // sql-injection: attacker 1 core / 512Mi, target 500m / 256Mi.
    expect(labResources(bundled('sql-injection'))).toEqual({ cpuMillis: 1500, memoryMi: 768 });
    // linux-basics: one container, 500m / 256Mi.
    expect(labResources(bundled('linux-basics'))).toEqual({ cpuMillis: 500, memoryMi: 256 });
  });
});
