/**
 * Lab instructions and check hints are Markdown written by teachers, shown to every student of a course:
 * they must not be able to run script or change the page. This turns them into HTML that has none of the
 * author's own markup: raw HTML is shown as text, a link keeps its href only for http(s), mailto and
 * relative URLs (no javascript:, data: or vbscript:), and an image becomes a link to it (an image loads by
 * itself, so a lab could otherwise track who read it, and our CSP blocks other origins' images anyway).
 * Pure (no DOM), so these rules are unit tests; MarkdownText sanitizes the result again with DOMPurify.
 */
import { Marked, type Tokens } from 'marked';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const SAFE_SCHEMES = new Set(['http', 'https', 'mailto']);

/** A URL a student may follow: http(s), mailto, or one without a scheme (relative, #anchor). */
export function isSafeUrl(href: string): boolean {
  // Browsers ignore control characters and spaces inside a scheme (`java\tscript:`), so we do too.
  const compact = href.replace(/[\u0000-\u0020\u007f]/g, '');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(compact);
  if (scheme) return SAFE_SCHEMES.has(scheme[1].toLowerCase());
  // "&#106;avascript:" and the like: entities were decoded by marked; anything still odd is refused.
  return !/[:&]/.test(compact.split(/[/?#]/, 1)[0]);
}

function anchor(href: string, title: string | null | undefined, inner: string): string {
  const t = title ? ` title="${escapeHtml(title)}"` : '';
  return `<a href="${escapeHtml(href)}"${t} target="_blank" rel="noopener noreferrer nofollow">${inner}</a>`;
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(text);
    },
    link(this: { parser: { parseInline: (t: Tokens.Link['tokens']) => string } }, { href, title, tokens }: Tokens.Link) {
      const inner = this.parser.parseInline(tokens);
      return isSafeUrl(href) ? anchor(href, title, inner) : inner;
    },
    image({ href, title, text }: Tokens.Image) {
      const label = escapeHtml(text || 'image');
      return isSafeUrl(href) ? anchor(href, title, `🖼 ${label}`) : label;
    },
  },
});

/** Teacher-written Markdown as HTML without any markup of the author's own (see above). */
export function markdownToHtml(markdown: string): string {
  return marked.parse(markdown, { async: false });
}
