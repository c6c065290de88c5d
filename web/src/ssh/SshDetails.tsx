import { useQuery } from '@tanstack/react-query';
import { trpc } from '../api/query';
import { ErrorNote } from '../components/ErrorNote';
import { ToolbarPanel } from '../components/ToolbarPanel';
import { LabSshCommand } from './LabSshCommand';
import { knownHostsLine, sshCommand } from './ssh-access';

/**
 * "SSH details" on the lab page: how to reach this running lab from a terminal of one's own. The front
 * door (the gateway's SSH port, `user+lab@host`, with a key from SSH keys or a one-time SSH password),
 * the known_hosts line that pins its host key, and, when the lab has its own sshd, that command as the
 * alternative. Loads sshKeys.access when opened.
 */
export function SshDetails({ labName, labSsh }: { labName: string; labSsh: { host: string; port: number } | null }) {
  return (
    <ToolbarPanel button="SSH details" label="SSH details" title="Reach this lab over SSH" className="ssh-details-panel">
      <SshDetailsBody labName={labName} labSsh={labSsh} />
    </ToolbarPanel>
  );
}

function SshDetailsBody({ labName, labSsh }: { labName: string; labSsh: { host: string; port: number } | null }) {
  const access = useQuery(trpc.sshKeys.access.queryOptions());
  const host = window.location.hostname;
  const a = access.data;
  return (
    <>
      <ErrorNote error={access.error} />
      {a && (a.port === null || a.hostKey === null) ? <p className="muted">The SSH front door is turned off on this installation.</p> : null}
      {a && a.port !== null && a.hostKey !== null ? (
        <>
          <dl className="kv">
            <dt>Host</dt>
            <dd className="mono">{host}</dd>
            <dt>Port</dt>
            <dd className="mono">{a.port}</dd>
            <dt>Command</dt>
            <dd>
              <pre className="mono wrap" data-testid="ssh-front-door-command">{sshCommand(a.username, host, a.port, labName)}</pre>
            </dd>
          </dl>
          <p className="muted">
            Log in with a key added under SSH keys, or with a one-time SSH password. scp and sftp work the same way. So that SSH can tell it is really us,
            add this line to ~/.ssh/known_hosts first:
          </p>
          <pre className="mono wrap" data-testid="ssh-front-door-known-hosts">{knownHostsLine(host, a.port, a.hostKey)}</pre>
        </>
      ) : null}
      {labSsh ? (
        <p>
          Or the lab&apos;s own SSH server (with a key from SSH keys): <LabSshCommand ssh={labSsh} />
        </p>
      ) : null}
    </>
  );
}
