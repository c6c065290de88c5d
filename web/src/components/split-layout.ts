/**
 * The rules of the instructions/terminal split, apart from React: the side pane's share of the split in
 * percent, bounded so neither pane vanishes by dragging (collapsing is its own button), the keyboard
 * steps, and what is remembered per lab in localStorage. Pure except for the Storage passed in.
 */
export interface SplitState {
  /** The side pane's share of the split, in percent. */
  size: number;
  collapsed: boolean;
}

export const SPLIT_MIN = 15;
export const SPLIT_MAX = 70;
export const SPLIT_STEP = 5;
export const SPLIT_DEFAULT: SplitState = { size: 35, collapsed: false };

export function clampSize(size: number): number {
  if (!Number.isFinite(size)) return SPLIT_DEFAULT.size;
  return Math.min(SPLIT_MAX, Math.max(SPLIT_MIN, Math.round(size)));
}

/** The size a key press on the separator gives, or null for keys it does not handle. "Grow" is away from the side pane's edge. */
export function sizeForKey(key: string, size: number, stacked: boolean): number | null {
  const grow = stacked ? 'ArrowDown' : 'ArrowRight';
  const shrink = stacked ? 'ArrowUp' : 'ArrowLeft';
  if (key === grow) return clampSize(size + SPLIT_STEP);
  if (key === shrink) return clampSize(size - SPLIT_STEP);
  if (key === 'Home') return SPLIT_MIN;
  if (key === 'End') return SPLIT_MAX;
  return null;
}

/** The side pane's size for a pointer at `offset` pixels from the split's start along `length` pixels. */
export function sizeAtPointer(offset: number, length: number): number {
  return length > 0 ? clampSize((offset / length) * 100) : SPLIT_DEFAULT.size;
}

export function readSplit(storage: Pick<Storage, 'getItem'> | undefined, key: string): SplitState {
  try {
    const raw = storage?.getItem(key);
    if (!raw) return SPLIT_DEFAULT;
    const parsed = JSON.parse(raw) as Partial<SplitState>;
    return { size: clampSize(Number(parsed.size)), collapsed: parsed.collapsed === true };
  } catch {
    return SPLIT_DEFAULT;
  }
}

export function writeSplit(storage: Pick<Storage, 'setItem'> | undefined, key: string, state: SplitState): void {
  try {
    storage?.setItem(key, JSON.stringify(state));
  } catch {
    // Private mode or a full quota: the split still works, it is just not remembered.
  }
}
