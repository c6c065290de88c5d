import { describeError, humanMessage } from '../api/describe-error';

/**
 * An error as the user sees it: a sentence for people, and the stable code and field (for support and
 * tests) folded into a small details line. Takes what a call threw (a query's or mutation's error) or a
 * ShownError already described.
 */
export function ErrorNote({ error: thrown }: { error: unknown }) {
  if (!thrown) return null;
  const error = describeError(thrown);
  return (
    <div className="note note-error" role="alert" data-code={error.code}>
      <strong>{humanMessage(error)}</strong>
      <details className="note-meta">
        <summary>Details</summary>
        {error.code}
        {error.field ? ` · field: ${error.field}` : ''}
      </details>
    </div>
  );
}
