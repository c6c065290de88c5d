/**
 * What every page must pass (issue 10 point 7): axe-core's WCAG 2 A/AA rules, and the keyboard walk (every
 * control reached by Tab, showing its focus). Used by look-and-feel.test.ts for every page of each role and
 * by the tests of pages that need a class or a lab to show (class-wall.test.ts).
 */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeSource: string = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe's WCAG 2 A and AA rules on what the page shows (the terminal's canvas is xterm's, checked elsewhere). */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run({ exclude: [['.xterm']] }, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations;
  });
  return violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.help}) at ${n.target.join(' ')}: ${n.failureSummary ?? ''}`));
}

/**
 * Presses Tab from the top of the page until focus comes back round, and returns the visible controls that
 * Tab never reached and the reached ones that showed no focus (no outline, no box shadow).
 */
export async function keyboardProblems(page: Page): Promise<{ unreached: string[]; invisibleFocus: string[] }> {
  const controls = await page.evaluate(() => {
    const selector = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
    const shown = [...document.querySelectorAll<HTMLElement>(selector)].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden' && !el.closest('.xterm') && isTabStop(el);
    });
    // A radio group is one Tab stop (its checked radio, else its first); arrow keys move within it.
    function isTabStop(el: HTMLElement): boolean {
      if (!(el instanceof HTMLInputElement) || el.type !== 'radio' || !el.name) return true;
      const group = [...document.querySelectorAll<HTMLInputElement>(`input[type="radio"][name="${el.name}"]`)];
      return el.checked || (!group.some((r) => r.checked) && group[0] === el);
    }
    shown.forEach((el, i) => (el.dataset.kbd = String(i)));
    return shown.map((el) => `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"`);
  });
  // Start from the first control: Tab then walks the page round to it again.
  await page.evaluate(() => document.querySelector<HTMLElement>('[data-kbd="0"]')?.focus());
  const reached = new Set<number>();
  const invisibleFocus: string[] = [];
  // Date inputs take several Tab stops (one per field), so the walk ends when focus is back at the start.
  for (let i = 0; i < controls.length * 4 + 10; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const s = getComputedStyle(el);
      const shows = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
      return { index: el.dataset.kbd === undefined ? -1 : Number(el.dataset.kbd), shows, name: `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"` };
    });
    if (!focused) continue;
    if (focused.index === 0 && reached.size > 0) {
      reached.add(0);
      break;
    }
    if (focused.index >= 0) reached.add(focused.index);
    if (!focused.shows && !invisibleFocus.includes(focused.name)) invisibleFocus.push(focused.name);
  }
  return { unreached: controls.filter((_, i) => !reached.has(i)), invisibleFocus };
}
