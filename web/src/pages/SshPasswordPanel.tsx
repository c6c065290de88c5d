import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../api/query';
import type { RouterOutputs } from '../api/trpc';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { knownHostsLine, sshCommand } from '../ssh/ssh-access';
import { CopyButton } from '../components/CopyButton';

type Revealed = RouterOutputs['sshPasswords']['reveal'];

/**
 * "SSH password": for a student without an SSH key, a one-time password for this running lab, from the
 * server (sshPasswords.reveal), with the command to use it and the known_hosts line that pins our host
 * key. It is shown once and kept only while the panel is open; asking again replaces it.
 */
export function SshPasswordPanel({ instanceId }: { instanceId: string }) {
  const [revealed, setRevealed] = useState<Revealed>();
  const reveal = useMutation(trpc.sshPasswords.reveal.mutationOptions({ onSuccess: setRevealed, onError: () => setRevealed(undefined) }));
  const error = reveal.error;
  const busy = reveal.isPending;

  const host = window.location.hostname;
  return (
    <>
      <button type="button" className="btn btn-small" onClick={() => reveal.mutate({ instanceId })} disabled={busy} title="A one-time password to log in to this lab over SSH">
        {busy ? 'Making a password…' : revealed ? 'New SSH password' : 'SSH password'}
      </button>
      {error || revealed ? (
        <div className="ssh-password-panel card" role="status" aria-label="SSH password">
          <ErrorNote error={error} />
          {revealed ? (
            <>
              <div className="row" style={{ justifyContent: 'space-between' }}>
                <strong>Log in over SSH with a one-time password</strong>
                <button type="button" className="btn btn-small btn-ghost" onClick={() => setRevealed(undefined)}>
                  Close
                </button>
              </div>
              <dl className="kv">
                <dt>Host</dt>
                <dd className="mono">{host}</dd>
                <dt>Port</dt>
                <dd className="mono">{revealed.port}</dd>
                <dt>Command</dt>
                <dd>
                  <pre className="mono wrap" data-testid="ssh-password-command">{sshCommand(revealed.login, host, revealed.port)}</pre>
                </dd>
                <dt>Password</dt>
                <dd className="row">
                  <code className="mono" data-testid="ssh-password">
                    {revealed.password}
                  </code>
                  <CopyButton text={revealed.password} />
                </dd>
              </dl>
              <p className="muted">
                It opens one SSH login to this lab, until {formatDate(revealed.expiresAt)}, and is shown only now. For the next login, ask for a new one,
                or add a key under SSH keys. So that SSH can tell it is really us, add this line to ~/.ssh/known_hosts first:
              </p>
              <pre className="mono wrap" data-testid="ssh-password-known-hosts">{knownHostsLine(host, revealed.port, revealed.hostKey)}</pre>
            </>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
