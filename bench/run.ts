/**
 * `npm run bench`: the terminal path through the gateway beside a direct PTY measured in the same run.
 * Not a test: it prints a table (and with --json FILE writes the numbers). The gateway runs in a child
 * process, as in production, so its RSS and CPU are its own.
 *
 *   npm run bench -- [--help] [--size quick|standard|full] [--json FILE] [--baseline REV] [--gateway REV] [--compiled] [--phases terminal,sessions,flood,windows]
 *
 * --size sets how much is measured (standard, the default, takes a few minutes on 2 cores; quick is for
 * iterating; full is the issue's sizes: 1,000 sessions, a 1 GB flood, the credit-window comparison).
 * --baseline REV measures REV's gateway too, in the same run, right after this tree's in each phase
 * (bench/baseline-gateway.sh extracts it); --gateway REV measures REV in place of this tree's gateway.
 * --compiled measures every gateway compiled and started as production starts it (compiled-gateway.ts)
 * instead of run through tsx. Env knobs override one size each: BENCH_SAMPLES,
 * BENCH_THROUGHPUT_MB, BENCH_SESSIONS, BENCH_FLOOD_MB, BENCH_WINDOWS_KB, BENCH_CTRLC_SAMPLES, BENCH_RENDER_MB.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startGatewayProcess } from '@autolabs/gateway/testing/gateway-process';
import { buildCompiledGateway, startCompiledGatewayProcess, type CompiledGateway } from './compiled-gateway';
import { floodPhase, sessionsPhase, terminalPhase, windowsPhase, type BenchSizes, type GatewayVariant } from './phases';
import { BenchResults } from './results';

const PRESETS: Record<string, BenchSizes & { phases: string }> = {
  quick: { samples: 300, throughputBytes: 50e6, sessions: 200, floodBytes: 200e6, windowsKb: [64], ctrlCSamples: 10, renderBytes: 30e6, phases: 'terminal,sessions,flood' },
  standard: { samples: 1000, throughputBytes: 100e6, sessions: 1000, floodBytes: 500e6, windowsKb: [64], ctrlCSamples: 30, renderBytes: 100e6, phases: 'terminal,sessions,flood' },
  full: { samples: 2000, throughputBytes: 271e6, sessions: 1000, floodBytes: 1000e6, windowsKb: [256, 64, 32], ctrlCSamples: 30, renderBytes: 100e6, phases: 'terminal,sessions,flood,windows' },
};

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: 'standard' },
    json: { type: 'string' },
    baseline: { type: 'string' },
    gateway: { type: 'string' },
    phases: { type: 'string' },
    compiled: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  // The usage is this file's header comment.
  const header = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0];
  process.stdout.write(`${header.replace(/^\/\*\*\n|^ \* ?/gm, '').trimEnd()}\n`);
  process.exit(0);
}
const preset = PRESETS[args.size ?? 'standard'];
if (!preset) throw new Error(`--size must be one of ${Object.keys(PRESETS).join(', ')}`);
const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const sizes: BenchSizes = {
  samples: env('BENCH_SAMPLES', preset.samples),
  throughputBytes: env('BENCH_THROUGHPUT_MB', preset.throughputBytes / 1e6) * 1e6,
  sessions: env('BENCH_SESSIONS', preset.sessions),
  floodBytes: env('BENCH_FLOOD_MB', preset.floodBytes / 1e6) * 1e6,
  windowsKb: process.env.BENCH_WINDOWS_KB ? process.env.BENCH_WINDOWS_KB.split(',').map(Number) : preset.windowsKb,
  ctrlCSamples: env('BENCH_CTRLC_SAMPLES', preset.ctrlCSamples),
  renderBytes: env('BENCH_RENDER_MB', preset.renderBytes / 1e6) * 1e6,
};
const phases = new Set((args.phases ?? preset.phases).split(','));

/** A committed gateway extracted beside this tree, so editing the tree cannot change a running measurement. */
function extracted(rev: string): string {
  const script = fileURLToPath(new URL('./baseline-gateway.sh', import.meta.url));
  return execFileSync('bash', [script, rev], { encoding: 'utf8' }).trim();
}

const builds: CompiledGateway[] = [];
/** How to start the gateway of `rev` (this tree's when undefined): compiled, or its harness through tsx. */
async function starter(rev: string | undefined): Promise<GatewayVariant['start']> {
  const dir = rev ? extracted(rev) : undefined;
  if (args.compiled) {
    const build = await buildCompiledGateway(dir);
    builds.push(build);
    return (o) => startCompiledGatewayProcess(build.entry, o);
  }
  const entry = dir ? path.join(dir, 'gateway/src/testing/gateway-child.ts') : undefined;
  return (o) => startGatewayProcess(o, entry);
}
const kind = args.compiled ? ' (compiled)' : '';
const variants: GatewayVariant[] = [{ label: `${args.gateway ? `gateway at ${args.gateway}` : 'gateway'}${kind}`, prefix: '', start: await starter(args.gateway) }];
if (args.baseline) variants.push({ label: `gateway at ${args.baseline}${kind}`, prefix: 'baseline.', start: await starter(args.baseline) });

const log = (s: string) => process.stderr.write(`${s}\n`);
const results = new BenchResults(['measurement', 'direct PTY', ...variants.map((v) => v.label)], log);
const started = performance.now();
log(`AutoLabs gateway bench (${args.size}) on ${os.cpus().length} CPUs, Node ${process.version}, load average ${os.loadavg()[0].toFixed(1)}`);

if (phases.has('terminal')) await terminalPhase(variants, sizes, results);
if (phases.has('sessions')) await sessionsPhase(variants, sizes, results);
if (phases.has('flood')) await floodPhase(variants, sizes, results);
if (phases.has('windows')) await windowsPhase(variants[0], sizes, results, variants.length);

process.stdout.write(`${results.table()}\n`);
if (args.json) results.writeJson(args.json);
for (const build of builds) await build.remove();
log(`bench took ${((performance.now() - started) / 1000).toFixed(0)} s; load average now ${os.loadavg()[0].toFixed(1)}`);
process.exit(0);
