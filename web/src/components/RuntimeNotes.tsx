/** What the installation's lab runtime will not do for a lab as written (labs.validate / labs.get runtimeNotes). */
export function RuntimeNotes({ notes }: { notes: string[] }) {
  if (notes.length === 0) return null;
  return (
    <div className="note" data-testid="lab-runtime-notes">
      <strong>On this installation</strong>
      <ul className="error-list">
        {notes.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
    </div>
  );
}
