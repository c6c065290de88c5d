import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../../../test/setup/services';
import { waitFor } from '../testing/wait-for';
import { RedisSessionStore } from './redis-session-store';
import { runSessionStoreContract, sessionRecord } from './session-store.contract';

const prefixes: string[] = [];
const freshPrefix = () => {
  const prefix = `autolabs-test:${randomUUID()}:`;
  prefixes.push(prefix);
  return prefix;
};

/** Leave nothing behind in the shared Redis. */
afterAll(async () => {
  const redis = new Redis(TEST_REDIS_URL);
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await redis.quit();
});

runSessionStoreContract('RedisSessionStore', async () => new RedisSessionStore({ url: TEST_REDIS_URL, keyPrefix: freshPrefix() }));

describe('RedisSessionStore across processes', () => {
  const stores: RedisSessionStore[] = [];
  const open = (keyPrefix: string) => {
    const s = new RedisSessionStore({ url: TEST_REDIS_URL, keyPrefix });
    stores.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it('a record put by one replica is seen, updated and listed by another', async () => {
    const prefix = freshPrefix();
    const gatewayA = open(prefix);
    const api = open(prefix);
    const record = sessionRecord();
    await gatewayA.put(record);
    expect(await api.update(record.id, { state: 'detached' })).toBe(true);
    expect((await gatewayA.get(record.id))?.state).toBe('detached');
    expect((await api.list({ ownerId: record.ownerId })).map((r) => r.id)).toEqual([record.id]);
  });

  it('a message published by one replica reaches a subscriber on another; other prefixes do not hear it', async () => {
    const prefix = freshPrefix();
    const gateway = open(prefix);
    const api = open(prefix);
    const stranger = open(freshPrefix());
    const heard: unknown[] = [];
    const strangerHeard: unknown[] = [];
    await gateway.subscribe('autolabs:session-control', (m) => heard.push(m));
    await stranger.subscribe('autolabs:session-control', (m) => strangerHeard.push(m));
    await api.publish('autolabs:session-control', { type: 'kill', sessionId: 's1', by: 'admin' });
    await waitFor('delivery across connections', () => heard.length === 1);
    expect(heard).toEqual([{ type: 'kill', sessionId: 's1', by: 'admin' }]);
    expect(strangerHeard).toEqual([]);
  });

  it('only one of two replicas claims the same ticket id', async () => {
    const prefix = freshPrefix();
    const [a, b] = [open(prefix), open(prefix)];
    const key = randomUUID();
    const results = await Promise.all([a.claimOnce(key, 60), b.claimOnce(key, 60), a.claimOnce(key, 60), b.claimOnce(key, 60)]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('hits recorded by two replicas add up, and the key expires one window after its latest hit', async () => {
    const prefix = freshPrefix();
    const [a, b] = [open(prefix), open(prefix)];
    await a.recordHit('login:u:ada', 60_000, 1000);
    await b.recordHit('login:u:ada', 60_000, 2000);
    expect(await a.recentHits('login:u:ada', 60_000, 2500)).toEqual([1000, 2000]);
    const admin = new Redis(TEST_REDIS_URL);
    const ttl = await admin.pttl(`${prefix}hits:login:u:ada`);
    await admin.quit();
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('keeps delivering to subscribers after Redis drops both of its connections', async () => {
    const name = `autolabs-test-${randomUUID()}`;
    const prefix = freshPrefix();
    const store = new RedisSessionStore({ url: TEST_REDIS_URL, keyPrefix: prefix, connectionName: name });
    stores.push(store);
    const heard: unknown[] = [];
    await store.subscribe('control', (m) => heard.push(m));
    await store.publish('control', 'before');
    await waitFor('first message', () => heard.length === 1);

    // Kill only this store's connections (the Redis is shared with other tests).
    const admin = new Redis(TEST_REDIS_URL);
    const list = (await admin.client('LIST')) as string;
    const ids = list.split('\n').filter((l) => l.includes(` name=${name}`)).map((l) => /id=(\d+)/.exec(l)?.[1]);
    expect(ids).toHaveLength(2);
    for (const id of ids) await admin.client('KILL', 'ID', id as string);
    await admin.quit();

    await waitFor('delivery after reconnect', async () => {
      await store.publish('control', 'after').catch(() => undefined);
      return heard.includes('after');
    });
    expect(heard[0]).toBe('before');
  });

  it('reports SERVICE_UNAVAILABLE when Redis cannot be reached', async () => {
    const unreachable = new RedisSessionStore({ url: 'redis://127.0.0.1:1/0', keyPrefix: freshPrefix() });
    stores.push(unreachable);
    await expect(unreachable.ping()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});
