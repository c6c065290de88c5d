/**
 * What one instance of a lab reserves: the limits of all its containers, summed. Quotas count this
 * (limits, not requests) because a limit is what one student's lab can actually take from the cluster.
 */
import type { LabConfig } from './lab-config-schema';
import { cpuMillis, memoryMi } from './quantity';

export interface LabResources {
  cpuMillis: number;
  memoryMi: number;
}

export function labResources(config: LabConfig): LabResources {
  let cpu = 0;
  let memory = 0;
  for (const c of config.spec.containers) {
    cpu += cpuMillis(c.resources.limits.cpu);
    memory += memoryMi(c.resources.limits.memory);
  }
  return { cpuMillis: cpu, memoryMi: memory };
}
