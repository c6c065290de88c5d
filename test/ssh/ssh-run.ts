/**
 * Running Debian's OpenSSH client against the front door: pinned host key (a known_hosts file holding
 * the line the web app shows), BatchMode, one identity file, no user or system configuration.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireTool } from './ssh-tools';

export interface SshTarget {
  port: number;
  /** The host key line (`ssh-ed25519 AAAA...`), as sshKeys.access returns it. */
  hostKey: string;
  /** The whole known_hosts line as the web app shows it; default: built from port and hostKey. */
  knownHostsLine?: string;
}

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** known_hosts with the one line the web app shows, as a student would paste it. */
export function knownHostsFile(target: SshTarget): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'autolabs-known-hosts-'));
  const file = path.join(dir, 'known_hosts');
  writeFileSync(file, `${target.knownHostsLine ?? `[127.0.0.1]:${target.port} ${target.hostKey}`}\n`);
  return file;
}

export function sshArgs(target: SshTarget, identity: string | null, login: string, extra: string[] = []): string[] {
  return [
    '-F', '/dev/null',
    '-p', String(target.port),
    '-o', 'BatchMode=yes',
    '-o', `UserKnownHostsFile=${knownHostsFile(target)}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
    '-o', 'ConnectTimeout=20',
    ...(identity ? ['-i', identity] : ['-o', 'PubkeyAuthentication=no']),
    ...extra,
    `${login}@127.0.0.1`,
  ];
}

/** `ssh [extra] login@127.0.0.1 [command]`; resolves with the exit status, never rejects on a non-zero one. */
export function runSsh(target: SshTarget, identity: string | null, login: string, command?: string, extra: string[] = []): Promise<SshResult> {
  const ssh = requireTool('ssh');
  const args = [...sshArgs(target, identity, login, extra), ...(command === undefined ? [] : [command])];
  return new Promise((resolve) => {
    execFile(ssh, args, { timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 255) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
