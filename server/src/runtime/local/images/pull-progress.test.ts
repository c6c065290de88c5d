import { describe, expect, it } from 'vitest';
import { parseSkopeoLine, PullProgressTracker, type PullProgress } from './pull-progress';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;

describe('parseSkopeoLine', () => {
  it.each([
    ['Getting image source signatures', { kind: 'start' }],
    [`Copying blob ${A}`, { kind: 'blob', digest: A, skipped: false }],
    [`Copying blob ${A} skipped: already exists`, { kind: 'blob', digest: A, skipped: true }],
    [`Copying config ${C}`, { kind: 'config', digest: C }],
    ['Writing manifest to image destination', { kind: 'manifest' }],
    ['Storing signatures', null],
    ['', null],
  ])('%j', (line, event) => {
    expect(parseSkopeoLine(line)).toEqual(event);
  });
});

describe('PullProgressTracker', () => {
  it('counts a layer done when its blob is in the store, all of them at the config, and the manifest sizes at the end', () => {
    const stored = new Map<string, number>();
    const seen: PullProgress[] = [];
    const tracker = new PullProgressTracker('r/tiny:1', (d) => stored.get(d) ?? null, (p) => seen.push(p));
    tracker.onLine('Getting image source signatures');
    tracker.onLine(`Copying blob ${A}`);
    tracker.onLine(`Copying blob ${B}`);
    tracker.poll();
    stored.set(A, 1000);
    tracker.poll();
    tracker.poll();
    stored.set(B, 85);
    tracker.onLine(`Copying config ${C}`);
    tracker.onLine('Writing manifest to image destination');
    tracker.finish([1000, 85]);
    expect(seen).toEqual([
      { layersDone: 0, layersTotal: 0, bytes: 0, message: 'r/tiny:1: contacting the registry' },
      { layersDone: 0, layersTotal: 1, bytes: 0, message: 'r/tiny:1: downloading layers (0/1 layers)' },
      { layersDone: 0, layersTotal: 2, bytes: 0, message: 'r/tiny:1: downloading layers (0/2 layers)' },
      { layersDone: 1, layersTotal: 2, bytes: 1000, message: 'r/tiny:1: downloading layers (1/2 layers)' },
      { layersDone: 2, layersTotal: 2, bytes: 1085, message: 'r/tiny:1: copying the image config (2/2 layers)' },
      { layersDone: 2, layersTotal: 2, bytes: 1085, message: 'r/tiny:1: writing the manifest (2/2 layers)' },
      { layersDone: 2, layersTotal: 2, bytes: 1085, message: 'r/tiny:1: pulled (2/2 layers)' },
    ]);
  });
});
