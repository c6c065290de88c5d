import type { SessionRecord } from './session-store';

export type SessionFilter = { ownerId?: string; labInstanceId?: string; courseId?: string };

/** The `list` filter both session stores apply: every given field must match exactly. */
export function matchesFilter(r: SessionRecord, filter: SessionFilter): boolean {
  return (
    (filter.ownerId === undefined || r.ownerId === filter.ownerId) &&
    (filter.labInstanceId === undefined || r.labInstanceId === filter.labInstanceId) &&
    (filter.courseId === undefined || r.courseId === filter.courseId)
  );
}
