/**
 * What the lab namespace holds, per instance, read from the apiserver rather than the database: the orphan
 * sweep (workers/periodic/release-orphans.ts) compares it with the instances' rows. Pure: the listing comes in.
 * Objects are grouped by their owner label; only labels that are instance ids (UUIDs) count, as every
 * instance the platform makes has one. Storage-transfer pods (app=lab-storage) are not lab objects.
 */
import type { HeldInstance } from '../lab-runtime';
import type { LabObjects } from './kube-client';
import type { KubernetesHandle } from './kube-handle';
import { INSTANCE_LABEL, MANAGED_BY } from './manifests/labels';

/** Selects the Pod, Service, NetworkPolicy and PVC of every lab instance (what instanceLabels puts on them). */
export const LAB_OBJECTS_SELECTOR = Object.entries({ app: 'lab', ...MANAGED_BY })
  .map(([k, v]) => `${k}=${v}`)
  .join(',');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The name suffixes of names.ts: the Pod's name is the base of the others. */
const SUFFIX = { service: '-ssh', networkPolicy: '-policy', pvc: '-storage' } as const;

interface Found {
  base?: string;
  pod: boolean;
  service?: string;
  networkPolicy: boolean;
  pvc: boolean;
}

type Named = { metadata?: { name?: string; labels?: Record<string, string>; deletionTimestamp?: Date } };

export function heldInstances(objects: LabObjects, namespace: string): HeldInstance[] {
  const found = new Map<string, Found>();
  const see = (o: Named, note: (f: Found, name: string) => void) => {
    const id = o.metadata?.labels?.[INSTANCE_LABEL];
    const name = o.metadata?.name;
    // Something already being deleted is on its way out; it is not held.
    if (!id || !UUID.test(id) || !name || o.metadata?.deletionTimestamp) return;
    const f = found.get(id) ?? { pod: false, networkPolicy: false, pvc: false };
    note(f, name);
    found.set(id, f);
  };
  const base = (name: string, suffix: string) => (name.endsWith(suffix) ? name.slice(0, -suffix.length) : name);
  for (const o of objects.pods) see(o, (f, n) => ((f.pod = true), (f.base = n)));
  for (const o of objects.services) see(o, (f, n) => ((f.service = n), (f.base ??= base(n, SUFFIX.service))));
  for (const o of objects.networkPolicies) see(o, (f, n) => ((f.networkPolicy = true), (f.base ??= base(n, SUFFIX.networkPolicy))));
  for (const o of objects.pvcs) see(o, (f, n) => ((f.pvc = true), (f.base ??= base(n, SUFFIX.pvc))));
  return [...found].map(([instanceId, f]) => {
    const b = f.base as string;
    const handle: KubernetesHandle = {
      runtime: 'kubernetes',
      instanceId,
      namespace,
      pod: b,
      service: f.service ?? null,
      networkPolicy: `${b}${SUFFIX.networkPolicy}`,
      pvc: `${b}${SUFFIX.pvc}`,
    };
    return { instanceId, handle, running: f.pod || f.service !== undefined || f.networkPolicy, storage: f.pvc };
  });
}
