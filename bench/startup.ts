/**
 * Start-up time and idle memory of the API, the workers and the gateway, compiled (`npm run build`, run as
 * the chart runs it: `node --enable-source-maps <entry>.js`) beside the same source run through tsx
 * (`node --import tsx <entry>.ts`), in the same run, on Postgres, Redis and RabbitMQ. tsx is measured with
 * its transpile cache warm (a restarted container) and cold (a new pod: a fresh TMPDIR).
 * Start-up: from spawn to the first successful GET /healthz (API, gateway) or the "workers started" line
 * (workers, which serve no HTTP). Idle RSS: VmRSS of the process BENCH_SETTLE_MS after that.
 * Usage: npm run bench:startup   (BENCH_ROUNDS [5], BENCH_SETTLE_MS [5000]); the median of the rounds.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFreshPostgres } from '@autolabs/server/infra/database/testing/fresh-postgres';
import { freePort } from '@autolabs/common/testing/free-port';
import { sleep, waitFor } from '@autolabs/common/testing/wait-for';
import { ROOT } from '../scripts/build/layout';
import { deleteQueues } from '../test/integration/api-harness';
import { buildOutput } from '../test/integration/built-output';
import { TEST_AMQP_URL, TEST_REDIS_URL } from '../test/setup/services';
import { percentile } from './measure';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 5000);

interface Proc {
  name: string;
  source: string;
  /** How the process says it is up: an HTTP health check on the port it was given, or a log line. */
  ready: { health: 'PORT' | 'GATEWAY_PORT' } | { line: string };
}
const PROCS: Proc[] = [
  { name: 'API', source: 'server/src/server.ts', ready: { health: 'PORT' } },
  { name: 'workers', source: 'server/src/worker.ts', ready: { line: '"msg":"workers started"' } },
  { name: 'gateway', source: 'gateway/src/server.ts', ready: { health: 'GATEWAY_PORT' } },
];

interface Variant {
  name: string;
  command(source: string): { args: string[]; cwd: string };
  /** A fresh TMPDIR per run (tsx keeps its transpile cache there). */
  freshTmp: boolean;
}

interface Sample {
  ms: number;
  rssMiB: number;
}

async function measure(proc: Proc, variant: Variant, env: Record<string, string>): Promise<Sample> {
  const port = String(await freePort());
  const tmp = variant.freshTmp ? mkdtempSync(path.join(os.tmpdir(), 'autolabs-bench-tmp-')) : os.tmpdir();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'autolabs-bench-data-'));
  const { args, cwd } = variant.command(proc.source);
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...env, TMPDIR: tmp, AUTOLABS_DATA_DIR: dataDir, PORT: port, GATEWAY_PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const ready = proc.ready;
    await waitFor(`${proc.name} (${variant.name}) to be up`, async () => {
      if (child.exitCode !== null) throw new Error(`${proc.name} (${variant.name}) exited with ${child.exitCode}:\n${output}`);
      if ('line' in ready) return output.includes(ready.line);
      return fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    }, 120_000);
    const ms = performance.now() - t0;
    await sleep(SETTLE_MS);
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
    return { ms, rssMiB: rss / 1024 };
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
    if (variant.freshTmp) rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  process.stdout.write('building (npm run build into a temporary directory)...\n');
  const built = await buildOutput();
  const db = await createFreshPostgres('bench_startup');
  const queuePrefix = `bench-startup-${randomBytes(4).toString('hex')}.`;
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: os.homedir(),
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    AMQP_URL: TEST_AMQP_URL,
    AMQP_QUEUE_PREFIX: queuePrefix,
    GATEWAY_SSH_PORT: '0',
    LOCAL_LAB_IMAGES: 'host',
  };
  const variants: Variant[] = [
    { name: 'compiled', command: (source) => ({ args: ['--enable-source-maps', built.entry(source)], cwd: built.dir }), freshTmp: false },
    { name: 'tsx, cache warm', command: (source) => ({ args: ['--import', 'tsx', source], cwd: ROOT }), freshTmp: false },
    { name: 'tsx, cache cold', command: (source) => ({ args: ['--import', 'tsx', source], cwd: ROOT }), freshTmp: true },
  ];
  try {
    // One unmeasured start of each: the API migrates the database, tsx fills its cache.
    for (const proc of PROCS) for (const variant of variants) await measure(proc, variant, env);
    const samples = new Map<string, Sample[]>();
    // Rounds interleave the variants, so a busy moment of the machine does not land on one of them.
    for (let round = 0; round < ROUNDS; round++) {
      for (const proc of PROCS) {
        for (const variant of variants) {
          const key = `${proc.name}|${variant.name}`;
          samples.set(key, [...(samples.get(key) ?? []), await measure(proc, variant, env)]);
        }
      }
      process.stdout.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    process.stdout.write(`\nmedian of ${ROUNDS} starts each, idle RSS ${SETTLE_MS} ms after start-up\n\n`);
    process.stdout.write(`| process | ${variants.map((v) => `${v.name}: start-up / idle RSS`).join(' | ')} |\n`);
    process.stdout.write(`|---|${variants.map(() => '---').join('|')}|\n`);
    for (const proc of PROCS) {
      const cells = variants.map((v) => {
        const s = samples.get(`${proc.name}|${v.name}`) ?? [];
        return `${(percentile(s.map((x) => x.ms), 50) / 1000).toFixed(2)} s / ${percentile(s.map((x) => x.rssMiB), 50).toFixed(0)} MiB`;
      });
      process.stdout.write(`| ${proc.name} | ${cells.join(' | ')} |\n`);
    }
  } finally {
    await db.drop();
    await deleteQueues(queuePrefix);
    rmSync(built.dir, { recursive: true, force: true });
  }
}

await main();
