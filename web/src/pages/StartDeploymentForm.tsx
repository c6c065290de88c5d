import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { ShownError } from '../api/describe-error';
import { trpc } from '../api/query';
import { api, type RouterInputs, type RouterOutputs } from '../api/trpc';
import { ErrorNote } from '../components/ErrorNote';

type Assignment = RouterOutputs['assignments']['list'][number];
type Lab = RouterOutputs['labs']['list'][number];
type Student = RouterOutputs['courses']['members'][number]['user'];
type Group = RouterOutputs['groups']['list'][number];
type Mode = 'per_student' | 'per_group' | 'shared';
type Target = 'all' | 'students' | 'groups';
type StartResult = RouterOutputs['deployments']['start'];

/**
 * Starts a lab for the class. The lab's mode (read from its YAML by the server's validator) decides
 * which choices make sense: per-student labs go to all students, chosen students or the students of
 * chosen groups; per-group labs to all or chosen groups; a shared lab is one instance for the course.
 */
export function StartDeploymentForm(props: { courseId: string; assignments: Assignment[]; labs: Lab[]; students: Student[]; groups: Group[]; onStarted: () => void }) {
  const { courseId, assignments, labs, students, groups } = props;
  const [choice, setChoice] = useState('');
  const [target, setTarget] = useState<Target>('all');
  const [chosenStudents, setChosenStudents] = useState<ReadonlySet<string>>(new Set());
  const [chosenGroups, setChosenGroups] = useState<ReadonlySet<string>>(new Set());
  /** A choice the form refuses before asking the server. */
  const [invalid, setInvalid] = useState<ShownError>();
  const [done, setDone] = useState<StartResult>();
  const start = useMutation(trpc.deployments.start.mutationOptions());

  const assignment = choice.startsWith('a:') ? assignments.find((a) => a.id === choice.slice(2)) : undefined;
  const labConfigId = assignment?.labConfigId ?? (choice.startsWith('l:') ? choice.slice(2) : '');
  const mode = useQuery({ queryKey: ['labMode', labConfigId], queryFn: () => modeOf(labConfigId), enabled: Boolean(labConfigId) }).data;
  const targets: Target[] = mode === 'per_student' ? ['all', 'students', 'groups'] : mode === 'per_group' ? ['all', 'groups'] : mode === 'shared' ? ['all'] : ['all', 'students', 'groups'];
  const effectiveTarget = targets.includes(target) ? target : 'all';

  function submit(e: FormEvent) {
    e.preventDefault();
    setInvalid(undefined);
    start.reset();
    setDone(undefined);
    const input: RouterInputs['deployments']['start'] = { labConfigId, courseId, assignmentId: assignment?.id };
    if (effectiveTarget === 'students') {
      if (chosenStudents.size === 0) {
        setInvalid({ code: 'BAD_INPUT', message: 'Choose at least one student.', field: 'studentIds' });
        return;
      }
      input.studentIds = [...chosenStudents];
    } else if (effectiveTarget === 'groups') {
      if (chosenGroups.size === 0) {
        setInvalid({ code: 'BAD_INPUT', message: 'Choose at least one group.', field: 'groupIds' });
        return;
      }
      input.groupIds = [...chosenGroups];
      // A per-student lab started "by group" goes to the students in those groups.
      if (mode !== 'per_group') input.studentIds = studentsOf(groups, chosenGroups, students);
    }
    start.mutate(input, {
      onSuccess: (result) => {
        setDone(result);
        props.onStarted();
      },
    });
  }

  return (
    <form className="card" onSubmit={submit} aria-label="Start a lab for the class">
      <h2>Start for class</h2>
      <label className="field">
        <span>Lab</span>
        <select aria-label="Lab" value={choice} onChange={(e) => setChoice(e.target.value)} required>
          <option value="">Choose a lab…</option>
          {assignments.length > 0 ? (
            <optgroup label="Assignments (students see it in My labs)">
              {assignments.map((a) => (
                <option key={a.id} value={`a:${a.id}`}>
                  {a.title}
                </option>
              ))}
            </optgroup>
          ) : null}
          <optgroup label="Lab configs (latest version; students see it under its assignment, made if the course has none)">
            {labs.map((l) => (
              <option key={l.id} value={`l:${l.id}`}>
                {l.title} ({l.name} v{l.version})
              </option>
            ))}
          </optgroup>
        </select>
      </label>
      {mode ? <p className="muted">Mode: {mode.replace('_', ' ')}</p> : null}
      <fieldset className="field" style={{ border: 'none', padding: 0 }}>
        <span>For</span>
        {targets.map((t) => (
          <label key={t} className="row">
            <input type="radio" name="target" checked={effectiveTarget === t} onChange={() => setTarget(t)} />
            {targetLabel(t, mode, students.length, groups.length)}
          </label>
        ))}
      </fieldset>
      {effectiveTarget === 'students' ? <Checklist label="Students" items={students.map((s) => ({ id: s.id, name: s.displayName }))} chosen={chosenStudents} onChange={setChosenStudents} /> : null}
      {effectiveTarget === 'groups' ? <Checklist label="Groups" items={groups.map((g) => ({ id: g.id, name: `${g.name} (${g.members.length})` }))} chosen={chosenGroups} onChange={setChosenGroups} /> : null}
      <ErrorNote error={invalid ?? start.error} />
      {done ? <StartReport result={done} /> : null}
      <button className="btn btn-primary" type="submit" disabled={start.isPending || !labConfigId}>
        Start
      </button>
    </form>
  );
}

/** Who started, who already had the lab, who could not start and why, and where students find it. */
function StartReport({ result }: { result: StartResult }) {
  const n = result.instances.length;
  return (
    <div className={`note ${result.refused.length > 0 ? 'note-warn' : 'note-ok'}`} data-testid="class-start-report" role="status">
      <div>
        Started {n} instance{n === 1 ? '' : 's'}. Students find it in My labs as “{result.assignment.title}”.
      </div>
      {result.alreadyRunning.length > 0 ? <div>Already running: {result.alreadyRunning.map((r) => r.name).join(', ')}.</div> : null}
      {result.refused.length > 0 ? (
        <div>
          Not started:
          <ul>
            {result.refused.map((r) => (
              <li key={r.userId}>
                {r.name}: {r.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

async function modeOf(labConfigId: string): Promise<Mode | undefined> {
  const lab = await api.labs.get.query({ id: labConfigId });
  const checked = await api.labs.validate.query({ yaml: lab.yaml });
  return checked.ok ? checked.config.spec.mode : undefined;
}

function studentsOf(groups: Group[], chosen: ReadonlySet<string>, students: Student[]): string[] {
  const inCourse = new Set(students.map((s) => s.id));
  const ids = groups.filter((g) => chosen.has(g.id)).flatMap((g) => g.members.map((m) => m.id));
  return [...new Set(ids)].filter((id) => inCourse.has(id));
}

function targetLabel(t: Target, mode: Mode | undefined, students: number, groups: number): string {
  if (mode === 'shared') return 'The whole course (one shared instance)';
  if (t === 'all') return mode === 'per_group' ? `All groups (${groups})` : `All students (${students})`;
  if (t === 'students') return 'Some students';
  return mode === 'per_group' ? 'Some groups' : 'Students of some groups';
}

function Checklist(props: { label: string; items: { id: string; name: string }[]; chosen: ReadonlySet<string>; onChange: (next: ReadonlySet<string>) => void }) {
  if (props.items.length === 0) return <p className="muted">None in this course.</p>;
  return (
    <fieldset className="field" style={{ border: 'none', padding: 0 }} aria-label={props.label}>
      {props.items.map((item) => (
        <label key={item.id} className="row">
          <input
            type="checkbox"
            checked={props.chosen.has(item.id)}
            onChange={(e) => {
              const next = new Set(props.chosen);
              if (e.target.checked) next.add(item.id);
              else next.delete(item.id);
              props.onChange(next);
            }}
          />
          {item.name}
        </label>
      ))}
    </fieldset>
  );
}
