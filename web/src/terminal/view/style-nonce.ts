/**
 * xterm.js writes its theme, scrollbar and cell-size rules into <style> elements it creates itself, with
 * no way to pass a nonce. Our Content-Security-Policy allows no inline style except one carrying the
 * page's nonce (the server fills it into index.html for each response, in the meta element Vite's
 * html.cspNonce writes), so this stamps that nonce on every <style> the document creates. It must happen
 * at creation, before the element is inserted: a nonce added later is not honoured.
 */
let stamped = false;

export function stampStyleNonce(doc: Document): void {
  if (stamped) return;
  // Browsers hide a nonce attribute's value once the page loaded; the `nonce` property keeps it.
  const nonce = doc.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce;
  if (!nonce) return;
  stamped = true;
  const create = doc.createElement.bind(doc) as (tagName: string, options?: ElementCreationOptions) => HTMLElement;
  doc.createElement = ((tagName: string, options?: ElementCreationOptions) => {
    const element = create(tagName, options);
    if (element.localName === 'style') element.setAttribute('nonce', nonce);
    return element;
  }) as Document['createElement'];
}
