import { useMutation } from '@tanstack/react-query';
import { useState, type ChangeEvent } from 'react';
import { api, type RouterOutputs } from '../api/trpc';
import { ErrorNote } from '../components/ErrorNote';
import { RuntimeNotes } from '../components/RuntimeNotes';

type Issue = { path: string; message: string };

/**
 * Upload a lab YAML into one of `courses` (the ones I teach) or as my own course-less lab. "Check"
 * validates without storing; "Upload" stores a new version of that course's (or my) lab of that name;
 * a name used elsewhere does not matter, versions are counted per owner. Validation
 * problems are listed with their path in the document (`spec.containers[0].image`), which is what a
 * teacher needs to find the line.
 */
export function LabUploadForm({ courses, onUploaded }: { courses: RouterOutputs['courses']['list']; onUploaded: (id: string) => void }) {
  const [yaml, setYaml] = useState('');
  const [courseId, setCourseId] = useState('');
  const [issues, setIssues] = useState<Issue[] | null>(null);
  /** What this installation's lab runtime will not do for the lab as written (embedded mode, mostly). */
  const [notes, setNotes] = useState<string[]>([]);
  const [ok, setOk] = useState<string>();

  async function check(): Promise<boolean> {
    const result = await api.labs.validate.query({ yaml });
    if (result.ok) {
      setIssues([]);
      setNotes(result.runtimeNotes);
      return true;
    }
    setIssues(result.errors);
    setNotes([]);
    return false;
  }

  /** Check, or check and upload: one call as the buttons see it (pending, error). */
  const run = useMutation({
    mutationFn: async (upload: boolean) => {
      setOk(undefined);
      const valid = await check();
      if (!valid) return;
      if (!upload) {
        setOk('The lab config is valid.');
        return;
      }
      const saved = await api.labs.upload.mutate({ yaml, courseId: courseId || undefined });
      const course = courses.find((c) => c.id === courseId);
      setOk(`Uploaded ${saved.name} version ${saved.version}. ${course ? `It belongs to ${course.code}.` : 'It is yours, not tied to a course.'}`);
      onUploaded(saved.id);
    },
  });
  const busy = run.isPending;

  async function readFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    if (!file) return;
    setYaml(await file.text());
    setIssues(null);
    setOk(undefined);
  }

  return (
    <form className="card" onSubmit={(e) => e.preventDefault()} aria-label="Upload lab config">
      <h2>Upload a lab config</h2>
      <label className="field">
        <span>YAML file</span>
        <input type="file" accept=".yaml,.yml,text/yaml" onChange={(e) => void readFile(e)} />
      </label>
      <label className="field">
        <span>…or paste it</span>
        <textarea
          className="code"
          value={yaml}
          onChange={(e) => {
            setYaml(e.target.value);
            setIssues(null);
            setOk(undefined);
          }}
          spellCheck={false}
          placeholder={'apiVersion: autolabs.io/v1\nkind: Lab\nmetadata:\n  name: my-lab\n  ...'}
          aria-label="Lab YAML"
        />
      </label>
      <label className="field">
        <span>Course</span>
        <select value={courseId} onChange={(e) => setCourseId(e.target.value)}>
          <option value="">None: my own lab</option>
          {courses.map((c) => (
            <option key={c.id} value={c.id}>
              {c.code} — {c.title}
            </option>
          ))}
        </select>
      </label>
      {issues && issues.length > 0 ? (
        <div className="note note-error" role="alert" data-testid="lab-errors">
          <strong>
            {issues.length} problem{issues.length === 1 ? '' : 's'} in the lab config
          </strong>
          <ul className="error-list">
            {issues.map((i, n) => (
              <li key={n}>
                <code>{i.path || '(document)'}</code> {i.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {ok ? <div className="note note-ok">{ok}</div> : null}
      {ok ? <RuntimeNotes notes={notes} /> : null}
      <ErrorNote error={run.error} />
      <div className="row">
        <button type="button" className="btn" disabled={busy || !yaml.trim()} onClick={() => run.mutate(false)}>
          Check
        </button>
        <button type="button" className="btn btn-primary" disabled={busy || !yaml.trim()} onClick={() => run.mutate(true)}>
          Upload
        </button>
      </div>
    </form>
  );
}
