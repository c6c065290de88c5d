import { useQuery } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import type { ServerControlMessage } from '@autolabs/gateway/protocol/wire';
import { trpc } from '../api/query';
import { api } from '../api/trpc';
import { ErrorNote } from '../components/ErrorNote';
import { SplitPane } from '../components/SplitPane';
import { StatusPill } from '../components/StatusPill';
import { LabFiles } from '../lab/LabFiles';
import { LabTimer } from '../lab/LabTimer';
import { RaiseHand } from '../lab/RaiseHand';
import { MarkdownText } from '../markdown/MarkdownText';
import { Link } from '../router/Link';
import { SshDetails } from '../ssh/SshDetails';
import { gatewaySocketUrl } from '../terminal/transport/gateway-url';
import type { TerminalSocket } from '../terminal/transport/terminal-socket';
import { TerminalView } from '../terminal/view/TerminalView';
import { CheckPanel } from './CheckPanel';
import { SshPasswordPanel } from './SshPasswordPanel';
import { isFatalTicketError } from './ticket-errors';

/**
 * The student's own terminal. Besides the terminal, it shows who asks to type along (a teacher who is
 * shadowing) and lets the student grant and revoke that.
 */
export function TerminalPage({ instanceId }: { instanceId: string }) {
  // Polled: a teacher's answer to a request for more time (a new expiresAt) shows without a reload.
  const instance = useQuery(trpc.instances.get.queryOptions({ id: instanceId }, { refetchInterval: 10_000 }));
  const assignments = useQuery(trpc.assignments.mine.queryOptions());
  const lab = instance.data?.lab;
  const title = assignments.data?.find((a) => a.instance?.id === instanceId)?.title ?? lab?.title ?? 'Lab terminal';
  const [socket, setSocket] = useState<TerminalSocket | null>(null);
  const [requests, setRequests] = useState<{ userId: string; name: string }[]>([]);
  const [granted, setGranted] = useState<string[]>([]);
  const [names, setNames] = useState<Record<string, string>>({});

  const getTicket = useCallback(async () => {
    // A lab that is still starting is worth waiting for (retried with backoff); a stopped one is not
    // (terminalTicket answers CONFLICT, which ends the attempts).
    const current = await api.instances.get.query({ id: instanceId });
    if (current.status === 'pending' || current.status === 'starting') throw new Error('the lab is still starting');
    const grant = await api.sessions.terminalTicket.mutate({ instanceId });
    return { ticket: grant.ticket, url: gatewaySocketUrl(grant.gatewayUrl, window.location) };
  }, [instanceId]);

  const onControl = useCallback((m: ServerControlMessage) => {
    if (m.type === 'request-control') {
      setNames((n) => ({ ...n, [m.userId]: m.name }));
      setRequests((r) => (r.some((x) => x.userId === m.userId) ? r : [...r, { userId: m.userId, name: m.name }]));
    } else if (m.type === 'control-changed') {
      setGranted(m.controlGrantedTo);
      setRequests((r) => r.filter((x) => !m.controlGrantedTo.includes(x.userId)));
    } else if (m.type === 'viewers' || m.type === 'welcome') {
      setNames((n) => ({ ...n, ...Object.fromEntries(m.viewers.map((v) => [v.userId, v.name])) }));
    }
  }, []);

  return (
    <div className="term-page">
      <div className="term-toolbar">
        <Link to="/my-labs">← My labs</Link>
        <h1>{title}</h1>
        {instance.data ? <StatusPill status={instance.data.status} /> : null}
        {instance.data?.status === 'running' && instance.data.expiresAt ? (
          <LabTimer instanceId={instanceId} expiresAt={instance.data.expiresAt} request={instance.data.timeRequest} onChanged={() => void instance.refetch()} />
        ) : null}
        {instance.data?.status === 'running' ? <RaiseHand instanceId={instanceId} /> : null}
        <span className="spacer" />
        {instance.data?.status === 'running' ? <LabFiles instanceId={instanceId} /> : null}
        {instance.data?.status === 'running' && lab ? <SshDetails labName={lab.name} labSsh={instance.data.ssh} /> : null}
        {instance.data?.status === 'running' ? <SshPasswordPanel instanceId={instanceId} /> : null}
        <CheckPanel instanceId={instanceId} />
      </div>
      <ErrorNote error={instance.error} />
      {requests.map((r) => (
        <div className="banner banner-request" key={r.userId} role="alert" data-testid="control-request">
          <span>
            <strong>{r.name}</strong> asks to type in your terminal.
          </span>
          <button type="button" className="btn btn-small btn-primary" onClick={() => socket?.grantControl(r.userId)}>
            Allow
          </button>
          <button type="button" className="btn btn-small" onClick={() => setRequests((all) => all.filter((x) => x.userId !== r.userId))}>
            Ignore
          </button>
        </div>
      ))}
      {granted.map((userId) => (
        <div className="banner banner-readonly" key={userId}>
          <span>
            <strong>{names[userId] ?? userId}</strong> can type in your terminal.
          </span>
          <button type="button" className="btn btn-small btn-danger" onClick={() => socket?.revokeControl(userId)}>
            Revoke
          </button>
        </div>
      ))}
      <SplitPane
        storageKey={`autolabs.lab-split.${lab?.name ?? ''}`}
        sideTitle="Instructions"
        side={lab?.description ? <MarkdownText text={lab.description} className="lab-instructions" /> : null}
        main={
          /* Keyed: another instance's page (a new hash) gets its own terminal, not this one's socket. */
          <TerminalView key={instanceId} getTicket={getTicket} isFatalTicketError={isFatalTicketError} onControl={onControl} onSocket={setSocket} />
        }
      />
    </div>
  );
}
