import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DataTable } from './DataTable';

// Rendered to markup without a DOM: the unit project runs in Node and lists only `.test.ts` files.
function render(items: string[] | undefined, extra: { failed?: boolean; label?: string } = {}): string {
  return renderToStaticMarkup(
    createElement(DataTable<string>, {
      items,
      what: 'fruit',
      empty: 'No fruit yet.',
      head: createElement('th', null, 'Name'),
      row: (item) => createElement('tr', { key: item }, createElement('td', null, item)),
      ...extra,
    }),
  );
}

describe('DataTable', () => {
  it('says what is loading until the first answer', () => {
    expect(render(undefined)).toContain('Loading fruit…');
  });
  it('shows nothing when the first load failed, leaving the reason to the page', () => {
    expect(render(undefined, { failed: true })).toBe('');
  });
  it('shows the empty sentence instead of a table for an empty list', () => {
    const html = render([]);
    expect(html).toBe('<div class="empty">No fruit yet.</div>');
  });
  it('renders one row per item under the header, named by its label', () => {
    const html = render(['apple', 'pear'], { label: 'Fruit' });
    expect(html).toContain('<table aria-label="Fruit"><thead><tr><th>Name</th></tr></thead>');
    expect(html).toContain('<tbody><tr><td>apple</td></tr><tr><td>pear</td></tr></tbody>');
  });
  it('leaves the table unnamed without a label', () => {
    expect(render(['apple'])).toContain('<table><thead>');
  });
});
