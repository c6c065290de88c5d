import { useState } from 'react';
import { useChange } from '../api/query';
import { api, type RouterOutputs } from '../api/trpc';
import { ErrorNote } from '../components/ErrorNote';

type TimeRequest = NonNullable<RouterOutputs['deployments']['status']['instances'][number]['timeRequest']>;

const CHOICES = [15, 30, 60, 120];

/**
 * A student's pending request for more time, for the course's teacher: grant a chosen number of minutes
 * (timeRequests.grant; past the lab's limit the server answers TIME_LIMIT_EXCEEDED with the most that fits)
 * or decline.
 */
export function TimeRequestControl({ request, onChanged }: { request: TimeRequest; onChanged: () => void }) {
  const [minutes, setMinutes] = useState(30);
  const answer = useChange(onChanged);
  const busy = answer.isPending;

  return (
    <div className="time-request" role="group" aria-label={`${request.requestedBy.displayName} asks for more time`}>
      <strong>{request.requestedBy.displayName} asks for more time</strong>
      <select aria-label="Minutes to add" value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} disabled={busy}>
        {CHOICES.map((m) => (
          <option key={m} value={m}>
            {m} min
          </option>
        ))}
      </select>
      <button type="button" className="btn btn-small btn-primary" disabled={busy} onClick={() => answer.mutate(() => api.timeRequests.grant.mutate({ id: request.id, minutes }))}>
        Grant
      </button>
      <button type="button" className="btn btn-small" disabled={busy} onClick={() => answer.mutate(() => api.timeRequests.decline.mutate({ id: request.id }))}>
        Decline
      </button>
      <ErrorNote error={answer.error} />
    </div>
  );
}
