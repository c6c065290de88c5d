/**
 * Global setup: a test that needs a service fails when the service is missing, loudly and once, instead of
 * each test timing out or skipping.
 */
import net from 'node:net';
import { TEST_AMQP_URL, TEST_DATABASE_URL, TEST_REDIS_URL } from './services';

function reachable(url: string, defaultPort: number): Promise<string | null> {
  const u = new URL(url);
  const port = Number(u.port || defaultPort);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port, timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    const fail = (why: string) => {
      socket.destroy();
      resolve(`${u.protocol}//${u.hostname}:${port} (${why})`);
    };
    socket.once('timeout', () => fail('timeout'));
    socket.once('error', (e) => fail(e.message));
  });
}

export default async function requireServices(): Promise<void> {
  const missing = (
    await Promise.all([
      reachable(TEST_DATABASE_URL, 5432).then((m) => m && `Postgres at ${m}`),
      reachable(TEST_REDIS_URL, 6379).then((m) => m && `Redis at ${m}`),
      reachable(TEST_AMQP_URL, 5672).then((m) => m && `RabbitMQ at ${m}`),
    ])
  ).filter(Boolean);
  if (missing.length > 0) throw new Error(`required services are not running: ${missing.join(', ')}`);
}
