/**
 * What every AutoLabs process (embedded, API, worker, gateway) does the same way: validate the environment
 * once, make the logger (secrets redacted), start, and on SIGINT/SIGTERM close gracefully with a deadline.
 * A bad configuration stops the process with exactly one line naming the variable.
 */
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import { ConfigError, loadEnv, type Env } from '../config/env';
import { isAppError } from '../errors/app-error';
import { helpText, readCommandLine, type ProcessInfo } from './help';

export interface Running {
  /** Stop accepting work, drain, release every connection. */
  close(): Promise<void>;
}

/** Fields that must never reach a log line, wherever they appear in a logged object. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'ticket',
  '*.ticket',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'privateKey',
  '*.privateKey',
];

/**
 * JSON lines for machines; with LOG_FORMAT=pretty (or auto on a terminal, as `npm start` on a laptop) one
 * readable line per entry. Redaction happens before either, so both are equally safe.
 */
export function makeLogger(env: Env, name: string, out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): Logger {
  const options = { name, level: env.LOG_LEVEL, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  const readable = env.LOG_FORMAT === 'pretty' || (env.LOG_FORMAT === 'auto' && out.isTTY === true);
  if (!readable) return out === process.stdout ? pino(options) : pino(options, out);
  // Loaded only for people reading logs: a production process writes JSON and does without it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return pino(options, pretty({ destination: out, sync: true, colorize: out.isTTY === true, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }));
}

const SHUTDOWN_DEADLINE_MS = 15_000;

export async function runProcess(info: ProcessInfo, start: (env: Env, log: Logger) => Promise<Running>): Promise<void> {
  const { name } = info;
  const commandLine = readCommandLine(process.argv.slice(2));
  if (commandLine.kind === 'help') {
    process.stdout.write(helpText(info));
    process.exit(0);
  }
  if (commandLine.kind === 'bad') {
    process.stderr.write(`${name}: ${commandLine.message}\n`);
    process.exit(2);
  }
  let env: Env;
  try {
    env = loadEnv();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${name}: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = makeLogger(env, name);
  let running: Running;
  try {
    running = await start(env, log);
  } catch (e) {
    // Errors we raise on purpose carry a message meant for the operator; print it as one line.
    if (isAppError(e)) {
      process.stderr.write(`${name}: ${e.code}: ${e.message}\n`);
      log.debug({ err: e }, 'start failed');
    } else {
      log.fatal({ err: e }, 'start failed');
    }
    process.exit(1);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error('graceful shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    let code = 0;
    try {
      await running.close();
      log.info('stopped');
    } catch (e) {
      log.error({ err: e }, 'shutdown failed');
      code = 1;
    }
    // Exit only once the last lines are written, or they are lost on a pipe.
    log.flush(() => process.exit(code));
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
