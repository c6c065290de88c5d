import { useState, type ReactNode } from 'react';

/**
 * A toolbar button that opens a panel below the toolbar (lab page: SSH details, Files): a card with a
 * title and Close. The children mount only while it is open, so what they load is loaded when asked for.
 */
export function ToolbarPanel({ button, label, title, className, children }: { button: string; label: string; title: string; className: string; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="btn btn-small" aria-expanded={open} onClick={() => setOpen(!open)}>
        {button}
      </button>
      {open ? (
        <section className={`${className} card`} aria-label={label}>
          <div className="row" style={{ justifyContent: 'space-between' }}>
            <strong>{title}</strong>
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setOpen(false)}>
              Close
            </button>
          </div>
          {children}
        </section>
      ) : null}
    </>
  );
}
