import DOMPurify from 'dompurify';
import { useMemo } from 'react';
import { markdownToHtml } from './lab-markdown';

/**
 * Teacher-written Markdown (lab instructions, check hints) on the page. markdownToHtml already leaves out
 * the author's own markup; DOMPurify then removes anything that could still run or restyle the page (a
 * second, independent guard: a parser bug must not become script). No style attributes: the CSP forbids
 * inline styles, and instructions have no business restyling the app.
 */
export function MarkdownText({ text, className }: { text: string; className?: string }) {
  const html = useMemo(
    () => DOMPurify.sanitize(markdownToHtml(text), { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'img', 'form'], FORBID_ATTR: ['style'], ADD_ATTR: ['target'] }),
    [text],
  );
  return <div className={className ? `markdown ${className}` : 'markdown'} dangerouslySetInnerHTML={{ __html: html }} />;
}
