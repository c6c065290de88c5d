import { useEffect, useId, useRef, useState, type PointerEvent, type ReactNode } from 'react';
import { SPLIT_MAX, SPLIT_MIN, readSplit, sizeAtPointer, sizeForKey, writeSplit, type SplitState } from './split-layout';

const STACKED_QUERY = '(max-width: 640px)';

function useStacked(): boolean {
  const [stacked, setStacked] = useState(() => window.matchMedia(STACKED_QUERY).matches);
  useEffect(() => {
    const query = window.matchMedia(STACKED_QUERY);
    const change = () => setStacked(query.matches);
    query.addEventListener('change', change);
    return () => query.removeEventListener('change', change);
  }, []);
  return stacked;
}

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

/**
 * A side pane (none when `side` is null) (the lab's instructions) beside the main one (the terminal): side by side on a wide screen,
 * stacked on a phone. The separator resizes by dragging and by the keyboard (a focusable
 * role="separator": arrows, Home, End; Enter collapses), the side pane collapses and opens with its
 * button; both are remembered under `storageKey`. The main pane's size changes with it, so a terminal in
 * it refits through its own ResizeObserver.
 */
export function SplitPane({ storageKey, sideTitle, side, main }: { storageKey: string; sideTitle: string; side: ReactNode | null; main: ReactNode }) {
  const stacked = useStacked();
  const [state, setState] = useState<SplitState>(() => readSplit(storage(), storageKey));
  const splitRef = useRef<HTMLDivElement>(null);
  const sideId = useId();

  useEffect(() => setState(readSplit(storage(), storageKey)), [storageKey]);

  const update = (next: SplitState) => {
    setState(next);
    writeSplit(storage(), storageKey, next);
  };

  const dragTo = (e: PointerEvent) => {
    const box = splitRef.current?.getBoundingClientRect();
    if (!box) return;
    const size = stacked ? sizeAtPointer(e.clientY - box.top, box.height) : sizeAtPointer(e.clientX - box.left, box.width);
    if (size !== state.size) update({ ...state, size });
  };

  const toggle = () => update({ ...state, collapsed: !state.collapsed });

  return (
    <div ref={splitRef} className={`split ${stacked ? 'split-stacked' : 'split-row'}${state.collapsed || side === null ? ' split-collapsed' : ''}`}>
      {/* Without a side pane the main one stays in the same place in the tree: it is not mounted again when one arrives. */}
      {side === null ? null : state.collapsed ? (
        <button type="button" className="btn btn-small split-open" onClick={toggle} aria-expanded={false} aria-controls={sideId}>
          Show {sideTitle.toLowerCase()}
        </button>
      ) : (
        <>
          <section id={sideId} className="split-side card" aria-label={sideTitle} style={{ flexBasis: `${state.size}%` }}>
            <div className="split-side-head">
              <h2>{sideTitle}</h2>
              <button type="button" className="btn btn-small btn-ghost" onClick={toggle} aria-expanded={true} aria-controls={sideId}>
                Hide
              </button>
            </div>
            <div className="split-side-body">{side}</div>
          </section>
          <div
            className="split-handle"
            role="separator"
            tabIndex={0}
            aria-label={`Resize ${sideTitle.toLowerCase()}`}
            aria-controls={sideId}
            aria-orientation={stacked ? 'horizontal' : 'vertical'}
            aria-valuemin={SPLIT_MIN}
            aria-valuemax={SPLIT_MAX}
            aria-valuenow={state.size}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                toggle();
                return;
              }
              const size = sizeForKey(e.key, state.size, stacked);
              if (size === null) return;
              e.preventDefault();
              update({ ...state, size });
            }}
            onPointerDown={(e) => {
              e.currentTarget.setPointerCapture(e.pointerId);
              e.preventDefault();
            }}
            onPointerMove={(e) => {
              if (e.currentTarget.hasPointerCapture(e.pointerId)) dragTo(e);
            }}
          />
        </>
      )}
      <div className="split-main">{main}</div>
    </div>
  );
}
