/**
 * The manifest digests the instances on this machine run from, read from every `<dataDir>/labs/<id>/pod.json`:
 * what an image prune must keep. A pod record that cannot be read fails the whole answer (never "unused").
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { instancePaths } from '@autolabs/common/lab-access/local/instance-paths';
import { readPodRecord } from './local-pod';

export async function imagesInUse(dataDir: string): Promise<Set<string>> {
  const labs = path.join(path.resolve(dataDir), 'labs');
  const entries = await fs.readdir(labs, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
  const digests = new Set<string>();
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === 'uids') continue;
    const pod = await readPodRecord(instancePaths(dataDir, entry.name));
    for (const c of pod?.containers ?? []) digests.add(c.digest);
  }
  return digests;
}
