import { useState } from 'react';
import type { SearchAddon } from '@xterm/addon-search';

/** Find in the scrollback (Ctrl+Shift+F). Enter finds the next match, Shift+Enter the previous one. */
export function SearchBox({ search, onClose }: { search: SearchAddon; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<boolean | null>(null);

  const find = (backwards: boolean) => {
    if (!query) return;
    setFound(backwards ? search.findPrevious(query) : search.findNext(query));
  };

  return (
    <div className="search-box" role="search">
      <input
        autoFocus
        placeholder="Find in terminal"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') find(e.shiftKey);
          if (e.key === 'Escape') onClose();
        }}
        aria-label="Find in terminal"
      />
      <button type="button" className="btn btn-small" onClick={() => find(true)} aria-label="Previous match">
        ↑
      </button>
      <button type="button" className="btn btn-small" onClick={() => find(false)} aria-label="Next match">
        ↓
      </button>
      {found === false ? <span className="muted">No match</span> : null}
      <button type="button" className="btn btn-small btn-ghost" onClick={onClose}>
        Close
      </button>
    </div>
  );
}
