import { StatusPill } from '../../components/StatusPill';
import type { TerminalStatus } from '../transport/terminal-socket';

interface Props {
  status: TerminalStatus | null;
  renderer: 'webgl' | 'dom';
  rendererWhy: string;
  onSwitchRenderer: () => void;
  onSearch: () => void;
}

/** Connection state, read-only and recording at a glance; the renderer (and why), to switch; the search toggle. */
export function TerminalStatusBar(props: Props) {
  const s = props.status;
  const others = s ? s.viewers.filter((v) => v.userId !== s.userId) : [];
  return (
    <div className="term-toolbar" data-testid="terminal-status" data-state={s?.state ?? 'connecting'}>
      {s?.state === 'live' && s.stalled ? (
        <StatusPill status="stalled" title="No answer from the lab: the network may be down. Reconnecting if it stays silent." />
      ) : (
        <StatusPill status={s?.state ?? 'connecting'} />
      )}
      {s?.readOnly && s.state === 'live' ? <StatusPill status="read-only" title="You can watch but not type" /> : null}
      {s?.mode === 'control' ? <StatusPill status="live" title="The owner let you type" /> : null}
      {s?.recording ? (
        <span className="badge-rec" data-testid="recording-badge" title="This session is recorded">
          REC
        </span>
      ) : null}
      {others.length > 0 ? (
        <span className="muted" title={others.map((v) => `${v.name} (${v.mode})`).join(', ')}>
          {others.length} watching
        </span>
      ) : null}
      <span className="spacer" />
      <button
        type="button"
        className="btn btn-small btn-ghost renderer"
        data-testid="terminal-renderer"
        title={`${props.rendererWhy ? `${props.rendererWhy}. ` : ''}Switch to the ${props.renderer === 'webgl' ? 'DOM' : 'GPU'} renderer · Copy: select + Ctrl+Shift+C (or Ctrl+C) · Paste: Ctrl+V · Find: Ctrl+Shift+F`}
        onClick={props.onSwitchRenderer}
      >
        {props.renderer === 'webgl' ? 'GPU' : 'DOM'} renderer
      </button>
      <button type="button" className="btn btn-small" onClick={props.onSearch}>
        Find
      </button>
    </div>
  );
}
