/**
 * The behaviour every SessionStore keeps, run against MemorySessionStore and RedisSessionStore (real
 * Redis). `makeStore` returns a store on a fresh, empty namespace.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../testing/wait-for';
import { MAX_HITS_PER_KEY, type SessionRecord, type SessionStore } from './session-store';

export function sessionRecord(over: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    id: randomUUID(),
    ownerId: 'student-1',
    labInstanceId: 'instance-1',
    courseId: 'course-1',
    gatewayId: 'gw-1',
    state: 'live',
    clients: [{ clientId: 'c1', userId: 'student-1', mode: 'owner' }],
    controlGrantedTo: [],
    recording: false,
    createdAt: now,
    lastInputAt: now,
    lastOutputAt: now,
    heartbeatAt: now,
    ...over,
  };
}

export function runSessionStoreContract(name: string, makeStore: () => Promise<SessionStore>): void {
  describe(`SessionStore contract: ${name}`, () => {
    const opened: SessionStore[] = [];
    const open = async () => {
      const s = await makeStore();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('returns a stored record unchanged and null for an unknown id', async () => {
      const s = await open();
      const record = sessionRecord({ courseId: null, controlGrantedTo: ['teacher-1'] });
      await s.put(record);
      expect(await s.get(record.id)).toEqual(record);
      expect(await s.get(randomUUID())).toBeNull();
    });

    it('update merges top-level fields, returns true, and is a no-op returning false for a missing id', async () => {
      const s = await open();
      const record = sessionRecord();
      await s.put(record);
      const clients = [...record.clients, { clientId: 'c2', userId: 'teacher-1', mode: 'viewer' as const }];
      expect(await s.update(record.id, { state: 'detached', clients, lastInputAt: 42 })).toBe(true);
      expect(await s.get(record.id)).toEqual({ ...record, state: 'detached', clients, lastInputAt: 42 });
      const missing = randomUUID();
      expect(await s.update(missing, { state: 'ended' })).toBe(false);
      expect(await s.get(missing)).toBeNull();
    });

    it('list returns every record, or those matching all given filter fields', async () => {
      const s = await open();
      const a = sessionRecord({ ownerId: 'alice', labInstanceId: 'i-a', courseId: 'c-1' });
      const b = sessionRecord({ ownerId: 'bob', labInstanceId: 'i-b', courseId: 'c-1' });
      const c = sessionRecord({ ownerId: 'alice', labInstanceId: 'i-c', courseId: null });
      for (const r of [a, b, c]) await s.put(r);
      const ids = (rs: SessionRecord[]) => rs.map((r) => r.id).sort();
      expect(ids(await s.list())).toEqual(ids([a, b, c]));
      expect(ids(await s.list({ ownerId: 'alice' }))).toEqual(ids([a, c]));
      expect(ids(await s.list({ courseId: 'c-1' }))).toEqual(ids([a, b]));
      expect(ids(await s.list({ ownerId: 'alice', courseId: 'c-1' }))).toEqual([a.id]);
      expect(ids(await s.list({ labInstanceId: 'i-b' }))).toEqual([b.id]);
      expect(await s.list({ ownerId: 'nobody' })).toEqual([]);
    });

    it('filtered lists follow updates and puts that change owner, instance or course', async () => {
      const s = await open();
      const r = sessionRecord({ ownerId: 'alice', labInstanceId: 'i-1', courseId: 'c-1' });
      await s.put(r);
      await s.update(r.id, { ownerId: 'bob', courseId: null });
      expect(await s.list({ ownerId: 'alice' })).toEqual([]);
      expect(await s.list({ courseId: 'c-1' })).toEqual([]);
      expect((await s.list({ ownerId: 'bob', labInstanceId: 'i-1' })).map((x) => x.id)).toEqual([r.id]);
      await s.put({ ...r, ownerId: 'carol', labInstanceId: 'i-2' });
      expect(await s.list({ ownerId: 'bob' })).toEqual([]);
      expect(await s.list({ labInstanceId: 'i-1' })).toEqual([]);
      expect((await s.list({ ownerId: 'carol', labInstanceId: 'i-2' })).map((x) => x.id)).toEqual([r.id]);
      await s.remove(r.id);
      expect(await s.list({ ownerId: 'carol' })).toEqual([]);
    });

    it('remove deletes the record from get and list; removing twice is fine', async () => {
      const s = await open();
      const record = sessionRecord();
      await s.put(record);
      await s.remove(record.id);
      await s.remove(record.id);
      expect(await s.get(record.id)).toBeNull();
      expect(await s.list()).toEqual([]);
    });

    it('claimOnce succeeds for exactly one of 20 concurrent claims of the same key', async () => {
      const s = await open();
      const key = `jti-${randomUUID()}`;
      const results = await Promise.all(Array.from({ length: 20 }, () => s.claimOnce(key, 60)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await s.claimOnce(`other-${randomUUID()}`, 60)).toBe(true);
    });

    it('claimOnce can claim a key again after its ttl has passed', async () => {
      const s = await open();
      const key = `jti-${randomUUID()}`;
      expect(await s.claimOnce(key, 1)).toBe(true);
      expect(await s.claimOnce(key, 1)).toBe(false);
      // A refused claim leaves the first one's expiry as it was, so asking again until one succeeds waits
      // for that expiry (about a second) and no longer; a ttl that never runs out times out here.
      await waitFor('the claim to expire', () => s.claimOnce(key, 1), 5_000);
      expect(await s.claimOnce(key, 1)).toBe(false);
    });

    it('recentHits returns the hits still inside the window, oldest first, equal times counted twice', async () => {
      const s = await open();
      for (const t of [1000, 3000, 2000, 2000]) await s.recordHit('login:u:ada', 10_000, t);
      expect(await s.recentHits('login:u:ada', 10_000, 3000)).toEqual([1000, 2000, 2000, 3000]);
      // A hit leaves the window exactly windowMs after it happened.
      expect(await s.recentHits('login:u:ada', 10_000, 11_000)).toEqual([2000, 2000, 3000]);
      expect(await s.recentHits('login:u:ada', 10_000, 13_000)).toEqual([]);
    });

    it('recordHit drops hits that have left the window, so they do not come back with a wider one', async () => {
      const s = await open();
      await s.recordHit('k', 1000, 1000);
      await s.recordHit('k', 1000, 5000);
      expect(await s.recentHits('k', 60_000, 5000)).toEqual([5000]);
    });

    it(`keeps only the newest ${MAX_HITS_PER_KEY} hits of a key`, async () => {
      const s = await open();
      for (let t = 1; t <= MAX_HITS_PER_KEY + 5; t++) await s.recordHit('sprayed', 60_000, t);
      const hits = await s.recentHits('sprayed', 60_000, MAX_HITS_PER_KEY + 5);
      expect(hits).toHaveLength(MAX_HITS_PER_KEY);
      expect(hits[0]).toBe(6);
    });

    it('clearHits forgets one key only; keys never share hits', async () => {
      const s = await open();
      await s.recordHit('login:u:ada', 60_000, 1000);
      await s.recordHit('login:u:ada', 60_000, 1001);
      await s.recordHit('login:u:bob', 60_000, 1002);
      expect(await s.recentHits('login:u:bob', 60_000, 1003)).toEqual([1002]);
      expect(await s.recentHits('login:u:nobody', 60_000, 1003)).toEqual([]);
      await s.clearHits('login:u:ada');
      await s.clearHits('login:u:never-hit');
      expect(await s.recentHits('login:u:ada', 60_000, 1003)).toEqual([]);
      expect(await s.recentHits('login:u:bob', 60_000, 1003)).toEqual([1002]);
    });

    it('delivers published messages in order to every subscriber of the channel, and only that channel', async () => {
      const s = await open();
      const first: unknown[] = [];
      const second: unknown[] = [];
      const other: unknown[] = [];
      await s.subscribe('control', (m) => first.push(m));
      await s.subscribe('control', (m) => second.push(m));
      await s.subscribe('other', (m) => other.push(m));
      await s.publish('control', { type: 'kill', sessionId: 's1', by: 'admin' });
      await s.publish('control', { type: 'kill', sessionId: 's2', by: 'admin' });
      // Delivered in publish order: once this marker is on 'other', whatever the two before could have put there has arrived.
      await s.publish('other', 'marker');
      await waitFor('both subscribers and the marker', () => first.length >= 2 && second.length >= 2 && other.includes('marker'));
      expect(first).toEqual([
        { type: 'kill', sessionId: 's1', by: 'admin' },
        { type: 'kill', sessionId: 's2', by: 'admin' },
      ]);
      expect(second).toEqual(first);
      expect(other).toEqual(['marker']);
    });

    it('stops delivering to a disposed subscription while others keep receiving', async () => {
      const s = await open();
      const kept: unknown[] = [];
      const dropped: unknown[] = [];
      await s.subscribe('chan', (m) => kept.push(m));
      const sub = await s.subscribe('chan', (m) => dropped.push(m));
      await s.publish('chan', 1);
      await waitFor('first message', () => kept.length === 1 && dropped.length === 1);
      await sub.dispose();
      await sub.dispose();
      await s.publish('chan', 2);
      await s.publish('chan', 3);
      // Delivered in publish order: once 3 is kept, 2 would have reached the disposed subscription too.
      await waitFor('the messages after dispose', () => kept.length >= 3);
      expect(kept).toEqual([1, 2, 3]);
      expect(dropped).toEqual([1]);
    });

    it('ping succeeds while open and calls fail with SERVICE_UNAVAILABLE after close', async () => {
      const s = await makeStore();
      await expect(s.ping()).resolves.toBeUndefined();
      await s.close();
      await expect(s.get('x')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    });
  });
}
