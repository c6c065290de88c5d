import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { trpc, useChange } from '../api/query';
import { api } from '../api/trpc';
import { useConfirm } from '../components/ConfirmDialog';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { GroupMembersEditor } from './GroupMembersEditor';

/**
 * The course's student groups, which per-group labs start one instance for. Teachers of the course and
 * admins only: the `groups` router answers FORBIDDEN to everyone else, so the course page mounts this
 * panel for them alone.
 */
export function CourseGroups({ courseId }: { courseId: string }) {
  const groups = useQuery(trpc.groups.list.queryOptions({ courseId }));
  const members = useQuery(trpc.courses.members.queryOptions({ courseId }));
  const students = (members.data ?? []).filter((m) => m.courseRole === 'student').map((m) => m.user);
  // After each change the list is reloaded whatever happened (another teacher may have changed it).
  const action = useChange(() => void groups.refetch());
  /** The group whose name is being edited in place, if any. */
  const [renaming, setRenaming] = useState<string | null>(null);
  const { confirm, dialog } = useConfirm();

  /** Runs one change; true when it went through. */
  function change(call: () => Promise<unknown>): Promise<boolean> {
    return action.mutateAsync(call).then(
      () => true,
      () => false,
    );
  }

  return (
    <section className="course-groups" aria-label="Groups">
      <h2>Groups</h2>
      <ErrorNote error={groups.error ?? members.error} />
      <ErrorNote error={action.error} />
      <div className="grid-2">
        <DataTable
          items={groups.data}
          failed={Boolean(groups.error)}
          what="groups"
          empty="No groups yet. Per-group labs start one instance for each group."
          head={
            <>
              <th>Group</th>
              <th>Members</th>
              <th />
            </>
          }
          row={(g) => (
            <tr key={g.id}>
              <td>
                {renaming === g.id ? (
                  <RenameGroupForm
                    name={g.name}
                    onRename={async (name) => {
                      if (await change(() => api.groups.rename.mutate({ id: g.id, name }))) setRenaming(null);
                    }}
                    onCancel={() => setRenaming(null)}
                  />
                ) : (
                  g.name
                )}
              </td>
              <td>
                <GroupMembersEditor
                  group={g}
                  students={students}
                  onAdd={(userId) => change(() => api.groups.addMember.mutate({ groupId: g.id, userId }))}
                  onRemove={(userId) => void change(() => api.groups.removeMember.mutate({ groupId: g.id, userId }))}
                />
              </td>
              <td className="actions">
                <button type="button" className="btn btn-small" aria-label={`Rename group ${g.name}`} onClick={() => setRenaming(g.id)}>
                  Rename
                </button>
                <button
                  type="button"
                  className="btn btn-small btn-danger"
                  aria-label={`Delete group ${g.name}`}
                  onClick={async () => {
                    const confirmed = await confirm({
                      title: `Delete group ${g.name}?`,
                      message: `Its ${g.members.length} member(s) stay in the course; only the group goes. Per-group labs no longer start an instance for it.`,
                      confirmLabel: 'Delete group',
                    });
                    if (confirmed) await change(() => api.groups.delete.mutate({ id: g.id }));
                  }}
                >
                  Delete
                </button>
              </td>
            </tr>
          )}
        />
        <CreateGroupForm courseId={courseId} onCreated={() => void groups.refetch()} />
      </div>
      {dialog}
    </section>
  );
}

function RenameGroupForm({ name, onRename, onCancel }: { name: string; onRename: (name: string) => Promise<void>; onCancel: () => void }) {
  const [value, setValue] = useState(name);
  return (
    <form
      className="row"
      aria-label={`Rename ${name}`}
      onSubmit={(e) => {
        e.preventDefault();
        void onRename(value);
      }}
    >
      <input aria-label="New name" value={value} onChange={(e) => setValue(e.target.value)} maxLength={100} required autoFocus />
      <button className="btn btn-small btn-primary" type="submit">
        Save
      </button>
      <button type="button" className="btn btn-small" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

function CreateGroupForm({ courseId, onCreated }: { courseId: string; onCreated: () => void }) {
  const [name, setName] = useState('');
  const create = useMutation(trpc.groups.create.mutationOptions());

  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate(
      { courseId, name },
      {
        onSuccess: () => {
          setName('');
          onCreated();
        },
      },
    );
  }

  return (
    <form className="card" onSubmit={submit} aria-label="New group">
      <h2>New group</h2>
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />
      </label>
      <ErrorNote error={create.error} />
      <button className="btn btn-primary" type="submit">
        Create group
      </button>
    </form>
  );
}
