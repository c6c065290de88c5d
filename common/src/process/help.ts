/**
 * Command-line handling shared by every AutoLabs process. They take no arguments (all configuration is
 * environment variables, validated by config/env.ts), so the command line only asks for help; anything
 * else is a mistake worth one clear line rather than a silent start.
 */
import { parseArgs } from 'node:util';
import { envSchema } from '../config/env';

export interface ProcessInfo {
  name: string;
  /** One sentence for --help: what this process is. */
  summary: string;
  /** The entry file, relative to the repository (for the usage line). */
  entry: string;
}

export type CommandLine = { kind: 'run' } | { kind: 'help' } | { kind: 'bad'; message: string };

export function readCommandLine(argv: string[]): CommandLine {
  try {
    const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    return values.help ? { kind: 'help' } : { kind: 'run' };
  } catch (e) {
    return { kind: 'bad', message: `${(e as Error).message}; try --help` };
  }
}

/** Usage, what the process does, and every environment variable with its default (from the schema). */
export function helpText({ name, summary, entry }: ProcessInfo): string {
  const rows = Object.entries(envSchema.shape).map(([key, schema]) => {
    const def = (schema as unknown as { _zod: { def: { type: string; defaultValue?: unknown } } })._zod.def;
    return `  ${key.padEnd(31)} ${def.type === 'default' ? `default ${String(def.defaultValue)}` : 'unset by default'}`;
  });
  return [
    `Usage: node --import tsx ${entry} [--help]`,
    `   or: node --enable-source-maps dist/${entry.replace(/\.ts$/, '.js')} [--help]   (compiled by npm run build)`,
    '',
    `${name}: ${summary}`,
    '',
    'Configuration is read from environment variables only (meanings: README.md, "Configuration";',
    'docs/configuration.md). A backing service left unset falls back to its embedded implementation.',
    '',
    ...rows,
    '',
  ].join('\n');
}
