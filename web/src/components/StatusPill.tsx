/** A status word with a colour class (`pill-running`, `pill-failed`, ...) so state reads at a glance. */
export function StatusPill({ status, title }: { status: string; title?: string }) {
  return (
    <span className={`pill pill-${status}`} title={title} data-status={status}>
      {status}
    </span>
  );
}
