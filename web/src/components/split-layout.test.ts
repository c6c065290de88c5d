import { describe, expect, it } from 'vitest';
import { SPLIT_DEFAULT, SPLIT_MAX, SPLIT_MIN, clampSize, readSplit, sizeAtPointer, sizeForKey, writeSplit } from './split-layout';

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (k) => items.get(k) ?? null,
    key: (i) => [...items.keys()][i] ?? null,
    removeItem: (k) => void items.delete(k),
    setItem: (k, v) => void items.set(k, v),
  };
}

describe('split layout', () => {
  it('keeps the side pane between its bounds, whatever the drag or a stored value says', () => {
    expect(clampSize(2)).toBe(SPLIT_MIN);
    expect(clampSize(99)).toBe(SPLIT_MAX);
    expect(clampSize(Number.NaN)).toBe(SPLIT_DEFAULT.size);
    expect(sizeAtPointer(500, 1000)).toBe(50);
    expect(sizeAtPointer(-40, 1000)).toBe(SPLIT_MIN);
    expect(sizeAtPointer(10, 0)).toBe(SPLIT_DEFAULT.size);
  });

  it('moves by arrow keys along the split (left/right side by side, up/down stacked), Home and End to the bounds', () => {
    expect(sizeForKey('ArrowRight', 35, false)).toBe(40);
    expect(sizeForKey('ArrowLeft', 35, false)).toBe(30);
    expect(sizeForKey('ArrowDown', 35, true)).toBe(40);
    expect(sizeForKey('ArrowUp', 35, true)).toBe(30);
    expect(sizeForKey('ArrowUp', 35, false)).toBeNull();
    expect(sizeForKey('Home', 35, false)).toBe(SPLIT_MIN);
    expect(sizeForKey('End', 35, true)).toBe(SPLIT_MAX);
    expect(sizeForKey('ArrowRight', SPLIT_MAX, false)).toBe(SPLIT_MAX);
  });

  it('remembers size and collapse per key, and falls back to the default on garbage', () => {
    const storage = memoryStorage();
    writeSplit(storage, 'a', { size: 50, collapsed: true });
    expect(readSplit(storage, 'a')).toEqual({ size: 50, collapsed: true });
    expect(readSplit(storage, 'b')).toEqual(SPLIT_DEFAULT);
    storage.setItem('c', '{not json');
    expect(readSplit(storage, 'c')).toEqual(SPLIT_DEFAULT);
    storage.setItem('d', JSON.stringify({ size: 1000, collapsed: 'yes' }));
    expect(readSplit(storage, 'd')).toEqual({ size: SPLIT_MAX, collapsed: false });
    expect(readSplit(undefined, 'a')).toEqual(SPLIT_DEFAULT);
  });
});
