import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import type { SessionRecord } from '@autolabs/common/session-store/session-store';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { SessionRegistration } from './session-registration';

/** The real in-memory store, counting the updates it receives. */
class CountingSessionStore extends MemorySessionStore {
  updates = 0;
  override async update(id: string, patch: Partial<Omit<SessionRecord, 'id'>>): Promise<boolean> {
    this.updates++;
    return super.update(id, patch);
  }
}

/** A store whose every write fails, as Redis does while it is down. */
class UnreachableSessionStore extends MemorySessionStore {
  override async put(): Promise<void> {
    throw new Error('connection refused');
  }
  override async update(): Promise<boolean> {
    throw new Error('connection refused');
  }
}

const record = (): SessionRecord => ({
  id: 's1',
  ownerId: 'alice',
  labInstanceId: 'i1',
  courseId: null,
  gatewayId: 'gw',
  state: 'live',
  clients: [],
  controlGrantedTo: [],
  recording: false,
  createdAt: 1,
  lastInputAt: 1,
  lastOutputAt: 1,
  heartbeatAt: 1,
});
const log = pino({ level: 'silent' });

describe('SessionRegistration', () => {
  let store: MemorySessionStore;
  afterEach(async () => store.close());

  it('writes a burst of activity once per throttle window, with the latest times', async () => {
    const counting = new CountingSessionStore();
    store = counting;
    const reg = new SessionRegistration(counting, record(), log, 100);
    await reg.put();
    for (let i = 2; i <= 50; i++) reg.activity(i % 2 ? 'input' : 'output', i);
    expect(counting.updates).toBe(0);
    await waitFor('throttled write', () => counting.updates === 1);
    expect(await counting.get('s1')).toMatchObject({ lastInputAt: 49, lastOutputAt: 50 });
  });

  it('writes changes of clients and state at once, together with pending activity', async () => {
    const counting = new CountingSessionStore();
    store = counting;
    const reg = new SessionRegistration(counting, record(), log, 60_000);
    await reg.put();
    reg.activity('input', 7);
    await reg.change({ state: 'detached' });
    expect(counting.updates).toBe(1);
    expect(await counting.get('s1')).toMatchObject({ state: 'detached', lastInputAt: 7 });
    await reg.remove();
    expect(await counting.get('s1')).toBeNull();
  });

  it('never throws when the store is unreachable', async () => {
    store = new UnreachableSessionStore();
    const reg = new SessionRegistration(store, record(), log, 10);
    await expect(reg.put()).resolves.toBeUndefined();
    await expect(reg.change({ state: 'detached' })).resolves.toBeUndefined();
    await expect(reg.heartbeat()).resolves.toBeUndefined();
  });
});
