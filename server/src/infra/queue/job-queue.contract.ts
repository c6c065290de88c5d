/**
 * The behaviour every JobQueue keeps, run against MemoryJobQueue and AmqpJobQueue (real RabbitMQ).
 * `makeQueue` returns a queue on fresh, empty queues; `openPeer` a second handle on the same queues (for
 * RabbitMQ a second connection, as a second worker process would have).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@autolabs/common/testing/wait-for';
import type { JobContext, JobQueue } from './job-queue';

export interface JobQueueHarness {
  makeQueue(): Promise<JobQueue>;
  openPeer(queue: JobQueue): Promise<JobQueue>;
}

export function runJobQueueContract(name: string, harness: JobQueueHarness): void {
  describe(`JobQueue contract: ${name}`, () => {
    const opened: JobQueue[] = [];
    const open = async () => {
      const q = await harness.makeQueue();
      opened.push(q);
      return q;
    };
    const peer = async (q: JobQueue) => {
      const p = await harness.openPeer(q);
      opened.push(p);
      return p;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((q) => q.close()));
    });

    it('delivers a published payload with attempt 1 and its message id', async () => {
      const q = await open();
      const seen: [unknown, JobContext][] = [];
      await q.consume('lab.deploy', async (payload, ctx) => {
        seen.push([payload, ctx]);
      });
      await q.publish('lab.deploy', { deploymentId: 'd1', nested: { n: 1 } }, { messageId: 'm-1' });
      await waitFor('delivery', () => seen.length === 1);
      expect(seen[0]).toEqual([{ deploymentId: 'd1', nested: { n: 1 } }, { attempt: 1, messageId: 'm-1' }]);
    });

    it('delivers jobs published before any consumer attached, each exactly once across competing consumers', async () => {
      const q = await open();
      for (let i = 0; i < 20; i++) await q.publish('lab.start', { i });
      const p = await peer(q);
      const seen: number[] = [];
      const handler = async (payload: unknown) => {
        seen.push((payload as { i: number }).i);
      };
      const consumers = [await q.consume('lab.start', handler, { prefetch: 3 }), await p.consume('lab.start', handler, { prefetch: 3 })];
      await waitFor('20 deliveries', () => seen.length >= 20);
      // With both consumers gone, a job delivered or held but not acknowledged would be back in the queue.
      for (const c of consumers) await c.dispose();
      expect(await q.depth('lab.start')).toEqual({ ready: 0, dead: 0 });
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it('redelivers a job whose handler threw, with the attempt counted up', async () => {
      const q = await open();
      const attempts: number[] = [];
      const consumer = await q.consume('lab.stop', async (_payload, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt === 1) throw new Error('transient');
      });
      await q.publish('lab.stop', { instanceId: 'i1' });
      await waitFor('second attempt', () => attempts.length >= 2);
      // The second attempt was acknowledged: with the consumer gone, no third one waits in the queue.
      await consumer.dispose();
      expect(await q.depth('lab.stop')).toEqual({ ready: 0, dead: 0 });
      expect(attempts).toEqual([1, 2]);
      expect(await q.deadLetters('lab.stop')).toEqual([]);
    });

    it('moves a job to the dead letters after maxAttempts failures, with the last error', async () => {
      const q = await open();
      const attempts: number[] = [];
      await q.consume(
        'lab.archive',
        async (_payload, ctx) => {
          attempts.push(ctx.attempt);
          throw new Error(`boom ${ctx.attempt}`);
        },
        { maxAttempts: 3 },
      );
      await q.publish('lab.archive', { instanceId: 'poison' });
      await waitFor('dead letter', async () => (await q.deadLetters('lab.archive')).length === 1);
      // Dead-lettered, the job has left the queue: no attempt can follow.
      expect(await q.depth('lab.archive')).toEqual({ ready: 0, dead: 1 });
      expect(attempts).toEqual([1, 2, 3]);
      expect(await q.deadLetters('lab.archive')).toEqual([{ payload: { instanceId: 'poison' }, error: 'boom 3' }]);
    });

    it('does not acknowledge before the handler resolves: a consumer disposed mid-job has it redelivered to another', async () => {
      const q = await open();
      const p = await peer(q);
      const started: string[] = [];
      const stuck = await q.consume(
        'lab.deploy',
        async (_payload, ctx) => {
          started.push(`first:${ctx.messageId}`);
          await new Promise(() => {});
        },
        { prefetch: 1 },
      );
      const id = randomUUID();
      await q.publish('lab.deploy', { job: 'slow' }, { messageId: id });
      await waitFor('first consumer to start', () => started.length === 1);

      const finished: [unknown, JobContext][] = [];
      await p.consume('lab.deploy', async (payload, ctx) => {
        finished.push([payload, ctx]);
      });
      // The first consumer has no room left, so the next job goes to the second; the slow job, still held,
      // is not handed to it before or with that one.
      await q.publish('lab.deploy', { job: 'next' }, { messageId: 'm-next' });
      await waitFor('the next job at the second consumer', () => finished.length >= 1);
      expect(finished).toEqual([[{ job: 'next' }, { attempt: 1, messageId: 'm-next' }]]);

      await stuck.dispose();
      await waitFor('redelivery to the second consumer', () => finished.length >= 2);
      expect(finished[1]).toEqual([{ job: 'slow' }, { attempt: 2, messageId: id }]);
    });

    it('counts attempts interrupted by a dying consumer: after maxAttempts the job is dead-lettered, not run again', async () => {
      const q = await open();
      const p = await peer(q);
      const seen: number[] = [];
      const hang = async (_payload: unknown, ctx: JobContext) => {
        seen.push(ctx.attempt);
        await new Promise(() => {});
      };
      const first = await q.consume('lab.start', hang, { maxAttempts: 2 });
      await q.publish('lab.start', { job: 'kills its worker' });
      await waitFor('first attempt', () => seen.length === 1);
      const second = await p.consume('lab.start', hang, { maxAttempts: 2 });
      await first.dispose();
      await waitFor('second attempt', () => seen.length === 2);
      const third = await q.consume('lab.start', hang, { maxAttempts: 2 });
      await second.dispose();
      await waitFor('dead letter', async () => (await q.deadLetters('lab.start')).length === 1);
      expect(await q.depth('lab.start')).toEqual({ ready: 0, dead: 1 });
      expect(seen).toEqual([1, 2]);
      expect(await q.deadLetters('lab.start')).toEqual([
        { payload: { job: 'kills its worker' }, error: 'interrupted: the consumer stopped during attempt 2' },
      ]);
      await third.dispose();
    });

    it('never runs more jobs at once on a consumer than its prefetch', async () => {
      const q = await open();
      let running = 0;
      let peak = 0;
      let done = 0;
      // Each job is held in its handler until the test lets it go.
      const held: (() => void)[] = [];
      await q.consume(
        'lab.start',
        async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise<void>((release) => held.push(release));
          running--;
          done++;
        },
        { prefetch: 2 },
      );
      for (let i = 0; i < 8; i++) await q.publish('lab.start', { i });
      await waitFor('two jobs held', () => held.length === 2);
      // The other six wait in the queue, not in the consumer.
      expect(await q.depth('lab.start')).toEqual({ ready: 6, dead: 0 });
      await waitFor('all jobs, released as they come', () => {
        for (const release of held.splice(0)) release();
        return done === 8;
      });
      expect(peak).toBe(2);
    });

    it('stops delivering to a disposed consumer', async () => {
      const q = await open();
      const seen: unknown[] = [];
      const sub = await q.consume('lab.stop', async (payload) => {
        seen.push(payload);
      });
      await q.publish('lab.stop', { n: 1 });
      await waitFor('first', () => seen.length === 1);
      await sub.dispose();
      await q.publish('lab.stop', { n: 2 });
      // The second job waits for a consumer rather than reaching the disposed one.
      await waitFor('the second job queued', async () => (await q.depth('lab.stop')).ready === 1);
      expect(seen).toEqual([{ n: 1 }]);
    });

    it('reports its depth: jobs waiting for a consumer and dead letters, without taking any', async () => {
      const q = await open();
      expect(await q.depth('lab.archive')).toEqual({ ready: 0, dead: 0 });
      for (let i = 0; i < 3; i++) await q.publish('lab.archive', { i });
      expect(await q.depth('lab.archive')).toEqual({ ready: 3, dead: 0 });
      const seen: number[] = [];
      await q.consume(
        'lab.archive',
        async (payload) => {
          seen.push((payload as { i: number }).i);
          if ((payload as { i: number }).i === 0) throw new Error('broken job');
        },
        { maxAttempts: 1 },
      );
      await waitFor('three deliveries', () => seen.length === 3);
      await waitFor('the failed job dead-lettered', async () => (await q.deadLetters('lab.archive')).length === 1);
      expect(await q.depth('lab.archive')).toEqual({ ready: 0, dead: 1 });
    });

    it('rejects publishing on a closed queue with SERVICE_UNAVAILABLE', async () => {
      const q = await harness.makeQueue();
      await q.close();
      await expect(q.publish('lab.deploy', {})).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    });
  });
}
