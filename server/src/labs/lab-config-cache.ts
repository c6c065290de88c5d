/**
 * Lab configs as the API and the workers read them: the YAML from the object store (under its content
 * address, see trpc/lab-store.ts), parsed and validated. The YAML of a sha256 never changes, so parsed
 * configs are cached by it.
 */
import type { ObjectStore } from '@autolabs/common/object-store/object-store';
import { parseLabConfig, type LabConfig } from './lab-config';

const MAX_CACHED = 200;

export interface StoredLab {
  objectKey: string;
  sha256: string;
}

export class LabConfigCache {
  private readonly cache = new Map<string, LabConfig>();

  constructor(
    private readonly objectStore: ObjectStore,
    private readonly bucket: string,
  ) {}

  async yaml(row: Pick<StoredLab, 'objectKey'>): Promise<string> {
    return (await this.objectStore.get(this.bucket, row.objectKey)).toString('utf8');
  }

  /** Throws AppError NOT_FOUND when the YAML is missing and LAB_CONFIG_INVALID when it no longer validates. */
  async get(row: StoredLab): Promise<LabConfig> {
    const hit = this.cache.get(row.sha256);
    if (hit) return hit;
    const config = parseLabConfig(await this.yaml(row));
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(row.sha256, config);
    return config;
  }
}
