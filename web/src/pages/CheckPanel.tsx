import { useState } from 'react';
import { api, type RouterOutputs } from '../api/trpc';
import { describeError, type ShownError } from '../api/describe-error';
import { ErrorNote } from '../components/ErrorNote';

type CheckResult = RouterOutputs['instances']['check'];

/** "Check my work": runs the lab's checks in the running lab and lists each result with its output. */
export function CheckPanel({ instanceId }: { instanceId: string }) {
  const [result, setResult] = useState<CheckResult>();
  const [error, setError] = useState<ShownError>();
  const [busy, setBusy] = useState(false);

  async function run() {
    setBusy(true);
    setError(undefined);
    try {
      setResult(await api.instances.check.mutate({ id: instanceId }));
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button type="button" className="btn btn-small" onClick={() => void run()} disabled={busy}>
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
                    <span aria-hidden="true">{r.passed ? '✓' : '✗'}</span> {r.name}
                    {!r.passed && r.output ? <pre className="check-output">{r.output}</pre> : null}
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
