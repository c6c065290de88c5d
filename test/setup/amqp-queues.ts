/** Removes the queues (and dead-letter queues) a process with AMQP_QUEUE_PREFIX=`prefix` declared. */
import amqp from 'amqplib';
import { TEST_AMQP_URL } from './services';

const QUEUES = ['lab.deploy', 'lab.start', 'lab.stop', 'lab.archive', 'student.notifications', 'teacher.notifications'];

export async function deleteQueues(prefix: string): Promise<void> {
  const conn = await amqp.connect(TEST_AMQP_URL);
  try {
    const channel = await conn.createChannel();
    for (const q of QUEUES) {
      await channel.deleteQueue(`${prefix}${q}`);
      await channel.deleteQueue(`${prefix}${q}.dead`);
    }
  } finally {
    await conn.close();
  }
}
