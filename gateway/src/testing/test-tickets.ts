/**
 * Ticket minting for tests and the benchmark: the claims the server would put in an owner ticket for a
 * local `bash --norc` terminal, or in a teacher's viewer ticket.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { TerminalTarget } from '@autolabs/common/lab-access/terminal-target';
import { mintTicket, type TicketClaims } from '@autolabs/common/tickets/ticket';

export type TicketOverrides = Partial<TicketClaims> & { ttlSeconds?: number };

/** A plain shell: no rc files, a fixed prompt, so tests can match output exactly. */
export function bashTarget(): TerminalTarget {
  return {
    kind: 'pty',
    argv: ['/bin/bash', '--norc', '--noprofile'],
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: os.tmpdir(), PS1: '$ ', LANG: 'C.UTF-8', TERM: 'xterm-256color' },
    cwd: os.tmpdir(),
  };
}

export function mintOwnerTicket(key: CryptoKey, { ttlSeconds = 60, ...claims }: TicketOverrides = {}): Promise<string> {
  const ownerId = claims.ownerId ?? claims.sub ?? 'student-1';
  return mintTicket(
    key,
    {
      sub: ownerId,
      name: 'Student One',
      role: 'student',
      sid: randomUUID(),
      labInstanceId: 'instance-1',
      courseId: 'course-1',
      ownerId,
      mode: 'owner',
      target: bashTarget(),
      recording: false,
      ...claims,
    },
    ttlSeconds,
  );
}

export function mintViewerTicket(key: CryptoKey, sid: string, { ttlSeconds = 60, ...claims }: TicketOverrides = {}): Promise<string> {
  return mintTicket(
    key,
    {
      sub: 'teacher-1',
      name: 'Teacher',
      role: 'teacher',
      sid,
      labInstanceId: 'instance-1',
      courseId: 'course-1',
      ownerId: 'student-1',
      mode: 'viewer',
      recording: false,
      ...claims,
    },
    ttlSeconds,
  );
}
