import { describe, expect, it } from 'vitest';
import { summariseStart } from './class-start-report';

const at = new Date('2026-12-07T10:00:00Z');

describe('summariseStart', () => {
  it('counts the labs that reached running as ready and names each other one with its student and reason, by name', () => {
    expect(
      summariseStart([
        { status: 'running', statusReason: null, startedAt: at, owner: { displayName: 'Ada' }, group: null },
        { status: 'failed', statusReason: 'image could not be pulled', startedAt: null, owner: { displayName: 'Sam' }, group: null },
        { status: 'stopped', statusReason: 'stopped: teacher', startedAt: null, owner: { displayName: 'Bea' }, group: null },
        { status: 'failed', statusReason: null, startedAt: null, owner: null, group: { name: 'red' } },
        // Ready once, stopped since by its student: it was ready.
        { status: 'stopped', statusReason: 'stopped: user', startedAt: at, owner: { displayName: 'Cy' }, group: null },
      ]),
    ).toEqual({
      ready: 2,
      total: 5,
      failures: ['Bea: stopped before it was ready', 'group red: it could not be started', 'Sam: image could not be pulled'],
    });
  });

  it('names a shared lab as such', () => {
    expect(summariseStart([{ status: 'failed', statusReason: 'no node', startedAt: null, owner: null, group: null }]).failures).toEqual(['the shared lab: no node']);
  });
});
