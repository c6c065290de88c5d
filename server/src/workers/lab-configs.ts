/**
 * Lab configs as workers need them: the YAML from the object store, parsed and validated. A lab_configs
 * row is immutable (a new upload is a new version), so parsed configs are cached by row id.
 */
import { parseLabConfig, type LabConfig } from '../labs/lab-config';
import type { ObjectStore } from '../infra/object-store/object-store';

const MAX_CACHED = 200;

export class LabConfigCache {
  private readonly cache = new Map<string, LabConfig>();

  constructor(
    private readonly objectStore: ObjectStore,
    private readonly bucket: string,
  ) {}

  /** Throws AppError NOT_FOUND when the YAML is missing and LAB_CONFIG_INVALID when it no longer validates. */
  async get(row: { id: string; objectKey: string }): Promise<LabConfig> {
    const hit = this.cache.get(row.id);
    if (hit) return hit;
    const yaml = (await this.objectStore.get(this.bucket, row.objectKey)).toString('utf8');
    const config = parseLabConfig(yaml);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(row.id, config);
    return config;
  }
}
