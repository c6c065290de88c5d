import { describe, expect, it } from 'vitest';
import { isSafeUrl, markdownToHtml } from './lab-markdown';

describe('lab Markdown', () => {
  it('renders headings, lists, code and links', () => {
    const html = markdownToHtml('# Task\n\n1. Run `ls -l`\n2. See [the manual](https://man7.org/ls)\n\n```\nmkdir x\n```\n');
    expect(html).toContain('<h1>Task</h1>');
    expect(html).toContain('<li>Run <code>ls -l</code></li>');
    expect(html).toContain('<a href="https://man7.org/ls" target="_blank" rel="noopener noreferrer nofollow">the manual</a>');
    expect(html).toContain('<pre><code>mkdir x\n</code></pre>');
  });

  it('shows raw HTML as text, never as markup', () => {
    const html = markdownToHtml('Hi <script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n<div onclick="x()">d</div>');
    expect(html).not.toMatch(/<(script|img|div)/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(2)&quot;&gt;');
  });

  it('drops the href of javascript:, data: and vbscript: links, keeping their text', () => {
    for (const href of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', 'data:text/html,<script>x</script>', 'vbscript:x', '&#106;avascript:alert(1)']) {
      const html = markdownToHtml(`[click](${href}) <${href}>`);
      expect(html, href).not.toMatch(/href="(?!https?:|mailto:)/i);
      expect(html, href).toContain('click');
    }
  });

  it('makes an image a link to it, so nothing loads by itself', () => {
    expect(markdownToHtml('![the diagram](https://example.org/d.png)')).toBe(
      '<p><a href="https://example.org/d.png" target="_blank" rel="noopener noreferrer nofollow">🖼 the diagram</a></p>\n',
    );
    expect(markdownToHtml('![x](javascript:alert(1))')).toBe('<p>x</p>\n');
  });

  it('accepts http(s), mailto and relative URLs only', () => {
    expect(['https://a.b', 'http://a.b', 'mailto:t@a.b', '/docs', '#task-2', 'notes.txt'].every(isSafeUrl)).toBe(true);
    expect(['javascript:x', 'file:///etc/passwd', 'data:,x', ' javascript:x', 'vbscript:x'].some(isSafeUrl)).toBe(false);
  });
});
