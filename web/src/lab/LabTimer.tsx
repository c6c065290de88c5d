import { useEffect, useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { trpc } from '../api/query';
import type { RouterOutputs } from '../api/trpc';
import { ErrorNote } from '../components/ErrorNote';
import { expiryWarning, timeLeft } from './time-left';

type TimeRequest = NonNullable<RouterOutputs['instances']['get']['timeRequest']>;

function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * The running lab's time left (its expiresAt, counted down each second), a warning from ten minutes
 * before the end, and "Ask for more time" (timeRequests.request): while a request is pending it says so
 * instead; once a teacher answers, the page's next load of the instance shows the new time.
 */
export function LabTimer({ instanceId, expiresAt, request, onChanged }: { instanceId: string; expiresAt: string; request: TimeRequest | null; onChanged: () => void }) {
  const left = timeLeft(expiresAt, useNow());
  const ask = useMutation(trpc.timeRequests.request.mutationOptions({ onSettled: onChanged }));
  const busy = ask.isPending;
  const pending = request?.status === 'pending';

  return (
    <div className="lab-timer" data-testid="lab-timer">
      <span className={left.warning ? 'time-left time-left-warn' : 'time-left'} aria-label="Time left" role="timer">
        {left.text} left
      </span>
      {pending ? (
        <span className="muted" role="status">
          Asked for more time at {clock(request.createdAt)}; waiting for your teacher.
        </span>
      ) : (
        <button type="button" className="btn btn-small" disabled={busy} onClick={() => ask.mutate({ instanceId })}>
          {busy ? 'Asking…' : 'Ask for more time'}
        </button>
      )}
      {request?.status === 'granted' && request.grantedMinutes ? (
        <span className="muted" role="status">
          Your teacher gave you {request.grantedMinutes} more minutes.
        </span>
      ) : null}
      {request?.status === 'declined' ? (
        <span className="muted" role="status">
          Your teacher did not give more time this time.
        </span>
      ) : null}
      {left.warning ? (
        <div className="banner banner-request lab-timer-warning" role="alert">
          {expiryWarning(left)}
        </div>
      ) : null}
      <ErrorNote error={ask.error} />
    </div>
  );
}
