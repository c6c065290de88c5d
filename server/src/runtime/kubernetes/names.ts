/**
 * Names of the Kubernetes objects of one lab instance. Object names must be DNS-1123 labels (Services:
 * DNS-1035, so they start with a letter) of at most 63 characters; label values at most 63 characters of
 * [a-z0-9A-Z-_.]. Names stay readable (`lab-<lab>-<owner>-<hash>`, as in the seed's `lab-123-student-456`)
 * and unique through a hash of the instance id, so two instances of one student never collide even when
 * their readable parts are cut short.
 */
import { createHash } from 'node:crypto';
import { slug } from '../slugs';

export interface InstanceNames {
  /** Pod name, also the base of the other names. */
  pod: string;
  service: string;
  networkPolicy: string;
  pvc: string;
}

const HASH_LENGTH = 8;
// 4 ("lab-") + 20 + 1 + 20 + 1 + 8 = 54, so the longest suffix ("-storage", 8) still fits in 63.
const PART_LENGTH = 20;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Stable short hash of a text: the same instance id always gives the same names. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
}

export function instanceNames(req: { instanceId: string; labKey: string; ownerKey: string }): InstanceNames {
  const base = `lab-${slug(req.labKey, PART_LENGTH)}-${slug(req.ownerKey, PART_LENGTH)}-${shortHash(req.instanceId)}`;
  return { pod: base, service: `${base}-ssh`, networkPolicy: `${base}-policy`, pvc: `${base}-storage` };
}

/**
 * A label value that identifies the instance: the id itself when it is a valid label value (UUIDs are),
 * else a slug of it plus its hash, so the value stays unique.
 */
export function instanceLabelValue(instanceId: string): string {
  if (instanceId !== '' && LABEL_VALUE.test(instanceId)) return instanceId;
  return `${slug(instanceId, 63 - HASH_LENGTH - 1)}-${shortHash(instanceId)}`;
}

/** Any text as a label value: lowercase slug, at most 63 characters. */
export function labelValue(text: string): string {
  return slug(text, 63);
}
