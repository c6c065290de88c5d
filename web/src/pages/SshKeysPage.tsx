import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { describeError } from '../api/describe-error';
import { trpc } from '../api/query';
import type { RouterOutputs } from '../api/trpc';
import { DataTable } from '../components/DataTable';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate } from '../components/format';
import { PageHeader } from '../components/PageHeader';
import { knownHostsLine, sshCommand } from '../ssh/ssh-access';

/**
 * The user's SSH public keys, and how to use them: the command for the gateway's SSH front door and the
 * known_hosts line that pins its host key. The server parses and checks every key; this page only shows
 * what it answered (fingerprint, or the refusal with its field).
 */
export function SshKeysPage() {
  const keys = useQuery(trpc.sshKeys.mine.queryOptions());
  const access = useQuery(trpc.sshKeys.access.queryOptions());
  const remove = useMutation(trpc.sshKeys.remove.mutationOptions({ onSuccess: () => void keys.refetch() }));

  return (
    <>
      <PageHeader title="SSH keys" subtitle="Keys you sign in with over SSH. Your labs open in the same terminal as in the browser." />
      <div className="grid-2">
        <section className="stack">
          <ErrorNote error={keys.error ?? remove.error} />
          <DataTable
            items={keys.data}
            failed={Boolean(keys.error)}
            what="keys"
            empty="No keys yet: add the contents of your ~/.ssh/id_ed25519.pub."
            label="SSH keys"
            head={
              <>
                <th>Name</th>
                <th>Fingerprint</th>
                <th>Added</th>
                <th>Last used</th>
                <th />
              </>
            }
            row={(k) => (
              <tr key={k.id} data-testid={`ssh-key-${k.name}`}>
                <td>
                  {k.name}
                  <div className="muted mono">{k.keyType}</div>
                </td>
                <td>
                  <span className="mono break-all">{k.fingerprint}</span>
                </td>
                <td className="nowrap">{formatDate(k.createdAt)}</td>
                <td className="nowrap">{k.lastUsedAt ? formatDate(k.lastUsedAt) : 'never'}</td>
                <td className="actions">
                  <button type="button" className="btn btn-small" onClick={() => remove.mutate({ id: k.id })}>
                    Remove
                  </button>
                </td>
              </tr>
            )}
          />
          <ConnectHelp access={access.data} />
        </section>
        <AddKeyForm onAdded={() => void keys.refetch()} />
      </div>
    </>
  );
}

function ConnectHelp({ access }: { access: RouterOutputs['sshKeys']['access'] | undefined }) {
  if (!access) return null;
  if (access.port === null || access.hostKey === null) return <div className="note">SSH is turned off on this installation.</div>;
  const host = window.location.hostname;
  return (
    <div className="card" aria-label="Connect over SSH">
      <h2>Connect over SSH</h2>
      <p>Start a lab first, then:</p>
      <pre className="mono" data-testid="ssh-command">{sshCommand(access.username, host, access.port)}</pre>
      <p>
        With several labs running, pick one: <span className="mono">{sshCommand(access.username, host, access.port, 'LAB')}</span>. Before the first
        connection, add the server's host key to <span className="mono">~/.ssh/known_hosts</span> so SSH can tell it is really us:
      </p>
      <pre className="mono wrap" data-testid="ssh-known-hosts">{knownHostsLine(host, access.port, access.hostKey)}</pre>
    </div>
  );
}

function AddKeyForm({ onAdded }: { onAdded: () => void }) {
  const [name, setName] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const [done, setDone] = useState<string>();
  const add = useMutation(trpc.sshKeys.add.mutationOptions());
  const error = add.error ? describeError(add.error) : undefined;

  function submit(e: FormEvent) {
    e.preventDefault();
    setDone(undefined);
    add.mutate(
      { name, publicKey },
      {
        onSuccess: (added) => {
          setDone(`Key added: ${added.fingerprint}`);
          setName('');
          setPublicKey('');
          onAdded();
        },
      },
    );
  }

  return (
    <form className="card" onSubmit={submit} aria-label="Add SSH key" noValidate>
      <h2>Add a key</h2>
      <label className="field">
        <span>Name (optional)</span>
        <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} placeholder="laptop" />
      </label>
      <label className="field">
        <span>Public key</span>
        <textarea
          aria-label="Public key"
          rows={4}
          value={publicKey}
          onChange={(e) => setPublicKey(e.target.value)}
          placeholder="ssh-ed25519 AAAA... you@laptop"
          aria-invalid={error?.field === 'publicKey'}
        />
      </label>
      <p className="muted">ed25519, ECDSA, or RSA of 3072 bits or more. Make one with ssh-keygen -t ed25519.</p>
      <ErrorNote error={error} />
      {done ? <div className="note note-ok break-all">{done}</div> : null}
      <button className="btn btn-primary" type="submit">
        Add key
      </button>
    </form>
  );
}
