/** Test helper: a real pino logger that writes nothing (the code under test still calls every method). */
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';

export function silentLogger(): FastifyBaseLogger {
  return pino({ level: 'silent' });
}
