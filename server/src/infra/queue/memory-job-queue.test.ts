import type { JobQueue } from './job-queue';
import { runJobQueueContract } from './job-queue.contract';
import { MemoryJobQueue } from './memory-job-queue';

/** The in-process queue has no connection: a "peer" is a second handle whose close leaves the queue open. */
function secondHandle(queue: JobQueue): JobQueue {
  return {
    publish: (...args) => queue.publish(...args),
    consume: (...args) => queue.consume(...args),
    deadLetters: (...args) => queue.deadLetters(...args),
    depth: (...args) => queue.depth(...args),
    ping: () => queue.ping(),
    close: async () => {},
  };
}

runJobQueueContract('MemoryJobQueue', {
  makeQueue: async () => new MemoryJobQueue(),
  openPeer: async (queue) => secondHandle(queue),
});
