import type { BarKey } from './key-input';

const KEYS: { key: BarKey; label: string }[] = [
  { key: 'Esc', label: 'Esc' },
  { key: 'Tab', label: 'Tab' },
  { key: 'Left', label: '←' },
  { key: 'Up', label: '↑' },
  { key: 'Down', label: '↓' },
  { key: 'Right', label: '→' },
];

/**
 * Keys a phone or tablet keyboard lacks. Buttons do not take focus (mousedown prevented), so the on-screen
 * keyboard stays open while tapping them.
 */
export function KeyBar(props: { ctrlArmed: boolean; onToggleCtrl: () => void; onKey: (key: BarKey) => void; onPaste: () => void; disabled: boolean }) {
  const keep = (e: React.MouseEvent) => e.preventDefault();
  return (
    <div className="keybar" role="toolbar" aria-label="Terminal keys">
      <button type="button" onMouseDown={keep} aria-pressed={props.ctrlArmed} onClick={props.onToggleCtrl} disabled={props.disabled}>
        Ctrl
      </button>
      {KEYS.map((k) => (
        <button key={k.key} type="button" onMouseDown={keep} onClick={() => props.onKey(k.key)} disabled={props.disabled} aria-label={k.key}>
          {k.label}
        </button>
      ))}
      <button type="button" onMouseDown={keep} onClick={props.onPaste} disabled={props.disabled}>
        Paste
      </button>
    </div>
  );
}
