import type { ShownError } from '../api/describe-error';

/** An error as the user sees it: message first, with the stable code and field for support and tests. */
export function ErrorNote({ error }: { error: ShownError | undefined }) {
  if (!error) return null;
  return (
    <div className="note note-error" role="alert" data-code={error.code}>
      <strong>{error.message}</strong>
      <span className="note-meta">
        {error.code}
        {error.field ? ` · field: ${error.field}` : ''}
      </span>
    </div>
  );
}
