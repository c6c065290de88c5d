import { useState } from 'react';
import { api } from '../api/trpc';
import { useLoad } from '../api/use-load';
import { ErrorNote } from '../components/ErrorNote';
import { LabSshCommand } from './LabSshCommand';
import { knownHostsLine, sshCommand } from './ssh-access';

/**
 * "SSH details" on the lab page: how to reach this running lab from a terminal of one's own. The front
 * door (the gateway's SSH port, `user+lab@host`, with a key from SSH keys or a one-time SSH password),
 * the known_hosts line that pins its host key, and, when the lab has its own sshd, that command as the
 * alternative. Loads sshKeys.access when opened.
 */
export function SshDetails({ labName, labSsh }: { labName: string; labSsh: { host: string; port: number } | null }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="btn btn-small" aria-expanded={open} onClick={() => setOpen(!open)}>
        SSH details
      </button>
      {open ? <SshDetailsPanel labName={labName} labSsh={labSsh} onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function SshDetailsPanel({ labName, labSsh, onClose }: { labName: string; labSsh: { host: string; port: number } | null; onClose: () => void }) {
  const access = useLoad(() => api.sshKeys.access.query(), []);
  const host = window.location.hostname;
  const a = access.data;
  return (
    <section className="ssh-details-panel card" aria-label="SSH details">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <strong>Reach this lab over SSH</strong>
        <button type="button" className="btn btn-small btn-ghost" onClick={onClose}>
          Close
        </button>
      </div>
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
    </section>
  );
}
