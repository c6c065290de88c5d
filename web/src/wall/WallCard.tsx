import type { Thumbnail } from '@autolabs/gateway/wall/wall-protocol';
import type { RouterOutputs } from '../api/trpc';
import { StatusPill } from '../components/StatusPill';
import { navigate } from '../router/hash-router';
import { Link } from '../router/Link';
import { ago } from './ago';

export type WallStudent = RouterOutputs['wall']['get']['students'][number];

/**
 * One student on the class wall: their terminal's thumbnail (text, as the gateway last saw the screen),
 * the lab's state, last activity, checks passed and a raised hand. The thumbnail opens the shadow view;
 * with a hand up, "Request control" opens it asking the student for the keyboard.
 */
export function WallCard({ student, thumb, checks, now, onLowerHand }: { student: WallStudent; thumb?: Thumbnail; checks: number; now: number; onLowerHand: () => void }) {
  const s = student;
  const name = s.displayName || s.username;
  const sessionId = s.live ? s.sessionId : null;
  const activity = s.lastInputAt ? `typed ${ago(s.lastInputAt, now)}` : s.live ? 'terminal open, nothing typed yet' : s.instanceStatus === 'running' ? 'terminal not opened' : 'no running lab';
  return (
    <article className={`wall-card${s.handRaisedAt ? ' wall-card-hand' : ''}`} aria-label={name} data-testid={`wall-card-${s.username}`}>
      <header className="wall-card-head">
        <strong>{name}</strong>
        {s.instanceStatus ? <StatusPill status={s.instanceStatus} /> : <span className="muted">not started</span>}
      </header>
      {s.handRaisedAt ? (
        <div className="wall-hand" role="status">
          <span>Hand raised {ago(s.handRaisedAt, now)}</span>
          {sessionId ? (
            <button type="button" className="btn btn-small btn-primary" onClick={() => navigate(`/shadow/${sessionId}/control`)}>
              Request control
            </button>
          ) : null}
          <button type="button" className="btn btn-small" onClick={onLowerHand}>
            Lower hand
          </button>
        </div>
      ) : null}
      {sessionId ? (
        // A click anywhere on the screen opens the shadow view; keyboard users have the Shadow link below.
        <div className="wall-thumb wall-thumb-live" title={`Shadow ${name}`} onClick={() => navigate(`/shadow/${sessionId}`)}>
          <pre data-testid="wall-thumb">{thumb ? thumb.lines.join('\n') : 'Waiting for the screen…'}</pre>
        </div>
      ) : (
        <div className="wall-thumb wall-thumb-empty">{s.instanceStatus === 'running' ? 'The terminal is not open.' : 'No running lab.'}</div>
      )}
      <footer className="wall-card-foot muted">
        <span data-testid="wall-activity">{activity}</span>
        <span data-testid="wall-checks">
          {checks > 0 ? `${s.checksPassed}/${checks} checks` : 'no checks'}
        </span>
        {sessionId ? (
          <Link to={`/shadow/${sessionId}`} label={`Shadow ${name}`}>
            Shadow
          </Link>
        ) : null}
      </footer>
    </article>
  );
}
