/**
 * `npm run build`: the production build. Builds the web app and bundles every entry of layout.ts into
 * the output directory (default dist/) with source maps, copies the files read at run time, and writes
 * its package.json. The npm script generates the Prisma client first (the bundles compile it in).
 *
 * Run the result where its runtime packages are installed (`npm install --omit=dev` in the output; in
 * this checkout the repository's node_modules serve as well), e.g. `node --enable-source-maps
 * dist/server/src/server.js` (API), `dist/server/src/worker.js` (workers), `dist/gateway/src/server.js`.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleEntry } from './bundle';
import { ASSETS, DIST, ENTRIES, ROOT, compiledPath } from './layout';
import { runtimePackage } from './runtime-package';

const USAGE = `Usage: npm run build [-- --out <dir>]

Compiles the API, workers, gateway and embedded entry points (with source maps), the web app, and the
files they read at run time into <dir> (default dist/), with a package.json naming the npm packages to
install there (npm install --omit=dev).
`;

const { values } = parseArgs({ options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const out = path.resolve(values.out ?? DIST);

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
// Straight into the output: the checkout's web/dist (which npm start serves) is left alone.
execFileSync('npm', ['run', '-w', 'web', 'build', '--', '--outDir', path.join(out, 'web', 'dist'), '--emptyOutDir', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
const bundles = await Promise.all(ENTRIES.map((entry) => bundleEntry(entry, out)));
for (const asset of ASSETS) await cp(path.join(ROOT, asset), path.join(out, asset), { recursive: true });
const imported = new Set(bundles.flatMap((b) => [...b.packages]));
await writeFile(path.join(out, 'package.json'), `${JSON.stringify(runtimePackage(imported), null, 2)}\n`);

for (const [i, entry] of ENTRIES.entries()) {
  const bytes = Object.entries(bundles[i].metafile.outputs).reduce((sum, [file, o]) => sum + (file.endsWith('.js') ? o.bytes : 0), 0);
  process.stdout.write(`${entry.role.padEnd(24)} ${path.relative(ROOT, path.join(out, compiledPath(entry.source)))} (${Math.round(bytes / 1024)} KiB)\n`);
}
process.stdout.write(`${imported.size} npm packages to install in ${path.relative(ROOT, out) || '.'} (package.json)\n`);
