import { describe, expect, it } from 'vitest';
import type { ServerControlMessage } from '../protocol/wire';
import { ClientRoster, type AttachedClient } from './client-roster';
import { CreditWindow } from './flow-control';

function client(id: string, userId: string, role: 'owner' | 'viewer', welcomed = true): AttachedClient & { got: ServerControlMessage[] } {
  const got: ServerControlMessage[] = [];
  return {
    id,
    who: { userId, name: userId, role: role === 'owner' ? 'student' : 'teacher' },
    role,
    sink: { sendFrame: () => undefined, sendControl: (m) => got.push(m), close: () => undefined, bufferedAmount: 0 },
    credit: new CreditWindow(1000),
    size: { cols: 80, rows: 24 },
    seq: 0,
    state: 'live',
    welcomed,
    lastRefusalAt: 0,
    got,
  };
}

describe('ClientRoster', () => {
  it('gives a viewer control only while granted, for all of that user’s connections', () => {
    const roster = new ClientRoster();
    const tab1 = client('c1', 'teacher', 'viewer');
    const tab2 = client('c2', 'teacher', 'viewer');
    roster.add(client('c0', 'alice', 'owner'));
    roster.add(tab1);
    roster.add(tab2);
    expect(roster.modeOf(tab1)).toBe('viewer');
    expect(roster.setControl('teacher', true)).toBe(true);
    expect([roster.modeOf(tab1), roster.modeOf(tab2)]).toEqual(['control', 'control']);
    expect(roster.setControl('teacher', true)).toBe(false);
    roster.setControl('teacher', false);
    expect(roster.modeOf(tab2)).toBe('viewer');
  });

  it("lets a user's grant lapse when their last connection leaves, not before", () => {
    const roster = new ClientRoster();
    const tab1 = client('c1', 'teacher', 'viewer');
    const tab2 = client('c2', 'teacher', 'viewer');
    roster.add(tab1);
    roster.add(tab2);
    roster.setControl('teacher', true);
    expect(roster.remove(tab1)).toEqual({ removed: true, controlLapsed: false });
    expect(roster.remove(tab2)).toEqual({ removed: true, controlLapsed: true });
    expect(roster.controlGrantedTo).toEqual([]);
    expect(roster.remove(tab2)).toEqual({ removed: false, controlLapsed: false });
  });

  it('broadcasts only to clients that have been welcomed', () => {
    const roster = new ClientRoster();
    const early = client('c1', 'teacher', 'viewer', false);
    const ready = client('c2', 'alice', 'owner');
    roster.add(early);
    roster.add(ready);
    roster.broadcast({ type: 'size', cols: 90, rows: 30 });
    expect(early.got).toEqual([]);
    expect(ready.got).toEqual([{ type: 'size', cols: 90, rows: 30 }]);
  });

  it('finds a watcher by user id, ignoring owners', () => {
    const roster = new ClientRoster();
    roster.add(client('c0', 'alice', 'owner'));
    expect(roster.watcher('alice')).toBeUndefined();
    roster.add(client('c1', 'teacher', 'viewer'));
    expect(roster.watcher('teacher')?.id).toBe('c1');
  });
});
