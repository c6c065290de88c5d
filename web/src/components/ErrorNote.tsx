import { humanMessage, type ShownError } from '../api/describe-error';

/**
 * An error as the user sees it: a sentence for people, and the stable code and field (for support and
 * tests) folded into a small details line.
 */
export function ErrorNote({ error }: { error: ShownError | undefined }) {
  if (!error) return null;
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
