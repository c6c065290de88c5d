import { describe, expect, it } from 'vitest';
import type { TicketClaims } from '@autolabs/common/tickets/ticket';
import { checkAttach } from './attach-policy';

const owner: TicketClaims = {
  sub: 'alice',
  name: 'Alice',
  role: 'student',
  sid: 's1',
  labInstanceId: 'i1',
  courseId: 'c1',
  ownerId: 'alice',
  mode: 'owner',
  target: { kind: 'pty', argv: ['/bin/bash'], env: {}, cwd: '/' },
  recording: false,
};
const viewer: TicketClaims = { ...owner, sub: 'tom', name: 'Tom', role: 'teacher', mode: 'viewer', target: undefined };
const alicesSession = { ownerId: 'alice', labInstanceId: 'i1' };

const codeOf = (f: () => void) => {
  try {
    f();
    return 'allowed';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe('checkAttach', () => {
  it('lets the owner open a new session or attach to their own', () => {
    expect(codeOf(() => checkAttach(owner, null))).toBe('allowed');
    expect(codeOf(() => checkAttach(owner, alicesSession))).toBe('allowed');
  });

  it("refuses a student's owner ticket for another student's session", () => {
    const bob = { ...owner, sub: 'bob', ownerId: 'bob' };
    expect(codeOf(() => checkAttach(bob, alicesSession))).toBe('FORBIDDEN');
  });

  it('refuses an owner ticket whose subject is not the owner', () => {
    expect(codeOf(() => checkAttach({ ...owner, sub: 'mallory' }, null))).toBe('FORBIDDEN');
  });

  it('refuses an owner ticket naming another lab instance than the live session', () => {
    expect(codeOf(() => checkAttach({ ...owner, labInstanceId: 'i2' }, alicesSession))).toBe('FORBIDDEN');
  });

  it('reports NOT_FOUND when there is no session and the ticket cannot open one', () => {
    expect(codeOf(() => checkAttach({ ...owner, target: undefined }, null))).toBe('NOT_FOUND');
    expect(codeOf(() => checkAttach(viewer, null))).toBe('NOT_FOUND');
  });

  it('lets a teacher or admin watch, but not a student with a viewer ticket', () => {
    expect(codeOf(() => checkAttach(viewer, alicesSession))).toBe('allowed');
    expect(codeOf(() => checkAttach({ ...viewer, role: 'admin' }, alicesSession))).toBe('allowed');
    expect(codeOf(() => checkAttach({ ...viewer, role: 'student' }, alicesSession))).toBe('FORBIDDEN');
  });

  it("refuses a viewer ticket minted for another student's session", () => {
    expect(codeOf(() => checkAttach({ ...viewer, ownerId: 'bob' }, alicesSession))).toBe('FORBIDDEN');
  });
});
