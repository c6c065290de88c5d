/**
 * Lab descriptions are plain text in YAML where teachers mark commands and paths with backticks, as in
 * Markdown. Only that is rendered (as <code>); everything else stays text, so nothing a lab author
 * writes can inject markup.
 */
export function RichText({ text }: { text: string }) {
  const parts = text.split(/(`[^`\n]+`)/g);
  return (
    <>
      {parts.map((part, i) =>
        part.length > 2 && part.startsWith('`') && part.endsWith('`') ? <code key={i}>{part.slice(1, -1)}</code> : <span key={i}>{part}</span>,
      )}
    </>
  );
}
