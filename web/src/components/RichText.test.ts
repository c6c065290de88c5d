import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { RichText } from './RichText';

const render = (text: string) => renderToStaticMarkup(createElement(RichText, { text }));

describe('RichText', () => {
  it('renders backtick spans as code and keeps the rest as text', () => {
    expect(render('Run `ls -l` in `~/project`.')).toBe('<span>Run </span><code>ls -l</code><span> in </span><code>~/project</code><span>.</span>');
  });
  it('escapes markup a lab author writes instead of rendering it', () => {
    expect(render('<img src=x onerror=alert(1)> `<b>`')).toBe('<span>&lt;img src=x onerror=alert(1)&gt; </span><code>&lt;b&gt;</code><span></span>');
  });
});
