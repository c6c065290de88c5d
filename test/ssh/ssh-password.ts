/**
 * OpenSSH logging in with a password, as a student without a key does: password authentication only
 * (no key is tried), the host key pinned as in ssh-run.ts, one prompt per connection (a wrong password is
 * one try). `runSshWithPassword` answers the prompt through SSH_ASKPASS (SSH_ASKPASS_REQUIRE=force) with a
 * script that prints the password from its environment, so it is in no argv and no file; in a PtySsh the
 * test types it at the prompt, as a person would.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { knownHostsFile, type SshResult, type SshTarget } from './ssh-run';
import { requireTool } from './ssh-tools';

export function passwordSshArgs(target: SshTarget, login: string, extra: string[] = []): string[] {
  return [
    '-F', '/dev/null',
    '-p', String(target.port),
    '-o', `UserKnownHostsFile=${knownHostsFile(target)}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'PreferredAuthentications=password',
    '-o', 'PubkeyAuthentication=no',
    '-o', 'KbdInteractiveAuthentication=no',
    '-o', 'NumberOfPasswordPrompts=1',
    '-o', 'ConnectTimeout=20',
    ...extra,
    `${login}@127.0.0.1`,
  ];
}

let askpass: string | undefined;

/** A script that prints $AUTOLABS_TEST_SSH_PASSWORD: what OpenSSH runs instead of prompting. */
function askpassScript(): string {
  if (!askpass) {
    askpass = path.join(mkdtempSync(path.join(os.tmpdir(), 'autolabs-askpass-')), 'askpass.sh');
    writeFileSync(askpass, '#!/bin/sh\nprintf \'%s\\n\' "$AUTOLABS_TEST_SSH_PASSWORD"\n', { mode: 0o700 });
  }
  return askpass;
}

/** `ssh login@127.0.0.1 [command]` with `password`; resolves with the exit status, never rejects on a non-zero one. */
export function runSshWithPassword(target: SshTarget, login: string, password: string, command?: string): Promise<SshResult> {
  const args = [...passwordSshArgs(target, login), ...(command === undefined ? [] : [command])];
  const env = { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), SSH_ASKPASS: askpassScript(), SSH_ASKPASS_REQUIRE: 'force', AUTOLABS_TEST_SSH_PASSWORD: password };
  return new Promise((resolve) => {
    execFile(requireTool('ssh'), args, { timeout: 60_000, encoding: 'utf8', env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 255) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
