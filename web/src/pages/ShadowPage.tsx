import { useCallback, useEffect, useState } from 'react';
import type { ServerControlMessage } from '@autolabs/gateway/protocol/wire';
import { api } from '../api/trpc';
import { Link } from '../router/Link';
import { gatewaySocketUrl } from '../terminal/transport/gateway-url';
import type { TerminalSocket, TerminalStatus } from '../terminal/transport/terminal-socket';
import { TerminalView } from '../terminal/view/TerminalView';
import { isFatalTicketError } from './ticket-errors';

/**
 * A teacher or admin watching a student's live terminal; typing only after the student allows it.
 * `requestControl` (from a raised hand on the class wall) asks for the keyboard as soon as the view is live.
 */
export function ShadowPage({ sessionId, requestControl = false }: { sessionId: string; requestControl?: boolean }) {
  const [socket, setSocket] = useState<TerminalSocket | null>(null);
  const [status, setStatus] = useState<TerminalStatus | null>(null);
  const [requested, setRequested] = useState(false);

  const getTicket = useCallback(async () => {
    const grant = await api.sessions.shadowTicket.mutate({ sessionId });
    return { ticket: grant.ticket, url: gatewaySocketUrl(grant.gatewayUrl, window.location) };
  }, [sessionId]);

  const onControl = useCallback((m: ServerControlMessage) => {
    if (m.type === 'control-changed') setRequested(false);
  }, []);

  const owner = status?.viewers.find((v) => v.mode === 'owner');
  const live = status?.state === 'live';
  const readOnly = live && status.readOnly;
  const [asked, setAsked] = useState(false);

  useEffect(() => {
    if (!requestControl || asked || !readOnly || !socket) return;
    socket.requestControl();
    setRequested(true);
    setAsked(true);
  }, [requestControl, asked, readOnly, socket]);

  return (
    <div className="term-page">
      <div className="term-toolbar">
        <Link to="/sessions">← Live sessions</Link>
        <h1>Shadowing {owner ? owner.name : 'session'}</h1>
      </div>
      {live && status.readOnly ? (
        <div className="banner banner-readonly" data-testid="read-only-banner">
          <span>
            <strong>Read-only.</strong> You see what the student sees; your keystrokes are not sent.
          </span>
          <button
            type="button"
            className="btn btn-small btn-primary"
            disabled={requested}
            onClick={() => {
              socket?.requestControl();
              setRequested(true);
            }}
          >
            {requested ? 'Control requested…' : 'Request control'}
          </button>
        </div>
      ) : null}
      {live && status.mode === 'control' ? (
        <div className="banner banner-request">
          <span>
            <strong>You can type.</strong> The student can take control back at any time.
          </span>
        </div>
      ) : null}
      <TerminalView viewer getTicket={getTicket} isFatalTicketError={isFatalTicketError} onControl={onControl} onStatus={setStatus} onSocket={setSocket} />
    </div>
  );
}
