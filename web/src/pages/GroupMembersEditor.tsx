import { useState, type FormEvent } from 'react';
import type { RouterOutputs } from '../api/trpc';

type Group = RouterOutputs['groups']['list'][number];
export type Student = Group['members'][number];

/**
 * One group's members with a Remove button each, and a picker of the course's students who are not in
 * the group yet. It only reports choices; the panel makes the calls and shows their errors.
 */
export function GroupMembersEditor({
  group,
  students,
  onAdd,
  onRemove,
}: {
  group: Group;
  students: Student[];
  onAdd: (userId: string) => Promise<boolean>;
  onRemove: (userId: string) => void;
}) {
  const [userId, setUserId] = useState('');
  const members = [...group.members].sort((a, b) => a.displayName.localeCompare(b.displayName));
  const inGroup = new Set(members.map((m) => m.id));
  const candidates = students.filter((s) => !inGroup.has(s.id));

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (await onAdd(userId)) setUserId('');
  }

  return (
    <div className="group-members">
      {members.length === 0 ? (
        <span className="muted">No members yet.</span>
      ) : (
        <ul className="member-list" aria-label={`Members of ${group.name}`}>
          {members.map((m) => (
            <li key={m.id}>
              <span>{m.displayName}</span>
              <button type="button" className="btn btn-small btn-ghost" aria-label={`Remove ${m.displayName} from ${group.name}`} onClick={() => onRemove(m.id)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {candidates.length > 0 ? (
        <form className="row" onSubmit={(e) => void submit(e)} aria-label={`Add a student to ${group.name}`}>
          <select value={userId} onChange={(e) => setUserId(e.target.value)} aria-label={`Student to add to ${group.name}`} required>
            <option value="">Choose a student…</option>
            {candidates.map((s) => (
              <option key={s.id} value={s.id}>
                {s.displayName} ({s.username})
              </option>
            ))}
          </select>
          <button type="submit" className="btn btn-small">
            Add
          </button>
        </form>
      ) : null}
    </div>
  );
}
