/** The theme control in the top bar: System (the default), Light or Dark, remembered in this browser. */
import { useEffect, useState } from 'react';
import { followSystemTheme, saveThemeChoice, storedThemeChoice, THEME_CHOICES, type ThemeChoice } from './theme';

const LABELS: Record<ThemeChoice, string> = { system: 'System theme', light: 'Light', dark: 'Dark' };

export function ThemeSelect() {
  const [choice, setChoice] = useState<ThemeChoice>(storedThemeChoice);
  useEffect(() => followSystemTheme(), []);
  return (
    <select
      className="theme-select"
      aria-label="Theme"
      value={choice}
      onChange={(e) => {
        const next = e.target.value as ThemeChoice;
        setChoice(next);
        saveThemeChoice(next);
      }}
    >
      {THEME_CHOICES.map((c) => (
        <option key={c} value={c}>
          {LABELS[c]}
        </option>
      ))}
    </select>
  );
}
