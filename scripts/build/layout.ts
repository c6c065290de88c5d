/**
 * What `npm run build` produces, in one place for the build, its test and the start-up benchmark.
 *
 * `dist/` mirrors the repository: `server/src/server.ts` compiles to `dist/server/src/server.js`, the
 * migrations are copied to `dist/server/prisma/migrations`, the web app to `dist/web/dist`. Modules find
 * files relative to their own location (`import.meta.dirname` + `../../../prisma/migrations`); in a bundle
 * every module shares the entry's location, so the bundler gives each module the location its compiled
 * twin would have (mirror-import-meta.ts), and the same relative paths land on the copies.
 */
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const DIST = path.join(ROOT, 'dist');

export interface Entry {
  /** Source file, relative to the repository. */
  source: string;
  /** What it is, for logs and the benchmark. */
  role: string;
  /** A process started with `node` (the others are threads such processes start). */
  process: boolean;
}

/** Process entry points, and the screen worker the gateway starts as a thread. */
export const ENTRIES: Entry[] = [
  { source: 'server/src/server.ts', role: 'API', process: true },
  { source: 'server/src/worker.ts', role: 'workers', process: true },
  { source: 'gateway/src/server.ts', role: 'gateway', process: true },
  { source: 'embedded/src/embedded.ts', role: 'embedded', process: true },
  { source: 'server/src/backups/backup-command.ts', role: 'backup and restore command', process: true },
  { source: 'gateway/src/hub/screen-worker.ts', role: 'screen worker (thread)', process: false },
];

/** Files read at run time, copied as they are (relative to the repository); the web app is built into web/dist. */
export const ASSETS = ['server/prisma/migrations', 'lab-configs'];

/** The compiled twin of a source file, relative to the repository ("server/src/x.ts" -> "server/src/x.js"). */
export function compiledPath(source: string): string {
  return source.replace(/\.(ts|mts)$/, '.js');
}

/** Absolute path of an entry's compiled file in `dist`. */
export function distEntry(source: string, dist = DIST): string {
  return path.join(dist, compiledPath(source));
}
