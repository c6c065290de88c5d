import { useEffect, useState } from 'react';
import type { TerminalStatus } from '../transport/terminal-socket';

/** Covers the terminal while it cannot be used, saying why and what happens next. */
export function TerminalOverlay({ status, onRetry }: { status: TerminalStatus | null; onRetry: () => void }) {
  const [now, setNow] = useState(() => Date.now());
  const [retryAt, setRetryAt] = useState(0);
  useEffect(() => {
    const at = Date.now();
    setNow(at);
    setRetryAt(at + (status?.retryInMs ?? 0));
    if (status?.state !== 'reconnecting') return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [status?.attempt, status?.state, status?.retryInMs]);

  if (!status || status.state === 'live') return null;
  if (status.state === 'connecting') {
    return (
      <div className="term-overlay" data-state="connecting">
        Connecting to your lab…
      </div>
    );
  }
  if (status.state === 'reconnecting') {
    const left = Math.max(0, Math.ceil((retryAt - now) / 1000));
    return (
      <div className="term-overlay" data-state="reconnecting">
        <div>
          <p>Connection lost{status.reason ? ` (${status.reason})` : ''}.</p>
          <p>
            Reconnecting{left > 0 ? ` in ${left}s` : '…'} — attempt {status.attempt}.
          </p>
          <button type="button" className="btn btn-primary" onClick={onRetry}>
            Retry now
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="term-overlay" data-state="ended">
      <div>
        <p>Terminal closed{status.reason ? `: ${status.reason}` : ''}.</p>
        <button type="button" className="btn btn-primary" onClick={onRetry}>
          Reconnect
        </button>
      </div>
    </div>
  );
}
