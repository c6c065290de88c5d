import { useState } from 'react';
import { RichText } from './RichText';

/** Long lab instructions: the first lines, with a toggle for the rest. */
export function CollapsibleText({ text, lines = 4 }: { text: string; lines?: number }) {
  const [open, setOpen] = useState(false);
  const long = text.length > lines * 60;
  return (
    <div className="collapsible">
      <p className={open || !long ? 'desc' : 'desc clamp'} style={{ WebkitLineClamp: open ? undefined : lines }}>
        <RichText text={text} />
      </p>
      {long ? (
        <button type="button" className="link-button" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? 'Show less' : 'Show instructions'}
        </button>
      ) : null}
    </div>
  );
}
