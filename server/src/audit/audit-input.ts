/**
 * What of a call's input goes into its audit entry: enough to say what was asked (ids, names, roles,
 * limits), never secrets (password fields are replaced) and never bulk (long text such as a lab's YAML
 * is replaced by its length).
 */
import type { Prisma } from '../generated/prisma/client';

const SECRET_KEYS = /password|secret|token|ticket/i;
const MAX_STRING = 200;
const MAX_ITEMS = 20;

export function auditInput(value: unknown, depth = 0): Prisma.InputJsonValue | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value.length > MAX_STRING ? `[${value.length} chars]` : value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (depth > 3) return '[nested]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => auditInput(v, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `[${value.length - MAX_ITEMS} more]`] : items;
  }
  if (typeof value === 'object') {
    const out: Record<string, Prisma.InputJsonValue | null> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : auditInput(v, depth + 1);
    return out;
  }
  return null;
}
