import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../api/query';
import type { RouterOutputs } from '../api/trpc';
import { ErrorNote } from '../components/ErrorNote';
import { MarkdownText } from '../markdown/MarkdownText';

type CheckResult = RouterOutputs['instances']['check'];
type OneCheck = CheckResult['results'][number];

/** What a failed check says to the student; the teacher's hint follows it and the raw output is folded away below. */
function failureText(r: OneCheck): string {
  if (r.exitCode === null) return 'This check could not run. Try again in a moment; if it keeps failing, tell your teacher.';
  if (r.hint) return 'Not done yet: this check did not pass. A hint from your teacher:';
  return 'Not done yet: this check did not pass. Compare your work with the task, then check again.';
}

/**
 * "Check my work": runs the lab's checks in the running lab and lists each result in a bounded, scrollable
 * panel (the terminal and its key bar stay on screen): a failing check by name with a sentence for the
 * student and the check's hint (teacher-written Markdown, when the lab gives one), and what the check
 * printed in a closed details element.
 */
export function CheckPanel({ instanceId }: { instanceId: string }) {
  const [result, setResult] = useState<CheckResult>();
  // The last result stays on screen while the checks run again.
  const check = useMutation(trpc.instances.check.mutationOptions({ onSuccess: setResult }));
  const error = check.error;
  const busy = check.isPending;

  return (
    <>
      <button type="button" className="btn btn-small" onClick={() => check.mutate({ id: instanceId })} disabled={busy}>
        {busy ? 'Checking…' : 'Check my work'}
      </button>
      {error || result ? (
        <div className="check-panel card" role="status" aria-label="Check results">
          <ErrorNote error={error} />
          {result ? (
            <>
              <div className="row" style={{ justifyContent: 'space-between' }}>
                <strong>
                  {result.passed} of {result.total} checks passed
                </strong>
                <button type="button" className="btn btn-small btn-ghost" onClick={() => setResult(undefined)}>
                  Close
                </button>
              </div>
              <ul className="check-list">
                {result.results.map((r) => (
                  <li key={r.name} className={r.passed ? 'check-ok' : 'check-fail'}>
                    <span aria-hidden="true">{r.passed ? '✓' : '✗'}</span> <span className="check-name">{r.name}</span>
                    {r.passed ? null : <p className="check-why">{failureText(r)}</p>}
                    {!r.passed && r.exitCode !== null && r.hint ? <MarkdownText text={r.hint} className="check-hint" /> : null}
                    {!r.passed && r.output ? (
                      <details className="check-details">
                        <summary>What the check saw</summary>
                        <pre className="check-output">{r.output}</pre>
                      </details>
                    ) : null}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
