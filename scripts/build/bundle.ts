/**
 * One esbuild bundle per entry: our workspaces (common, server, gateway, embedded, the generated Prisma client under
 * server/src) compiled into one file with its source map, plus a chunk per lazily imported module; every
 * npm package left as an import, installed beside the output from dist/package.json (runtime-package.ts).
 * Packages stay outside because several cannot be bundled (node-pty's and ssh2's native addons, PGlite's
 * and Prisma's WebAssembly, pino's worker-thread transports) and because bundling the rest measured more
 * memory, not less: V8 keeps the source of a 12 MB bundle resident (README, "Production build").
 */
import path from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { ROOT, compiledPath, type Entry } from './layout';
import { mirrorImportMeta } from './mirror-import-meta';

/** Our workspace packages, bundled; every other bare import stays external. */
const WORKSPACE_SCOPE = '@autolabs/';

/** "pkg/sub/path" -> "pkg", "@scope/pkg/sub" -> "@scope/pkg". */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const npmPackagesExternal: Plugin = {
  name: 'npm-packages-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith(WORKSPACE_SCOPE) || args.path.startsWith('node:')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/**
 * Our workspace packages resolved inside `root` rather than through node_modules (which links this
 * checkout's): the benchmark compiles an earlier commit's copy of the workspaces this way.
 */
function workspacesIn(root: string): Plugin {
  return {
    name: 'workspaces-in-root',
    setup(b) {
      b.onResolve({ filter: /^@autolabs\/(common|server|gateway|embedded)\// }, (args) => {
        const [, pkg, rest] = /^@autolabs\/(common|server|gateway|embedded)\/(.*)$/.exec(args.path) ?? [];
        return { path: path.join(root, pkg, 'src', `${rest}.ts`) };
      });
    },
  };
}

/**
 * Bundles one entry (and its lazily loaded chunks) into `dist`; returns the npm packages they import.
 * `root` is where the sources are: this repository, or a copy of an earlier commit's (bench/compiled-gateway.ts).
 */
export async function bundleEntry(entry: Entry, dist: string, root: string = ROOT): Promise<{ packages: Set<string>; metafile: Metafile }> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry.source],
    // Modules the source imports lazily (`await import(...)`: the Kubernetes client and exec backend) go to
    // chunks beside the entry, loaded when first used as from source; without splitting their npm imports
    // would be hoisted into the entry and loaded at every start. Beside the entry, not in a folder of
    // their own: mirror-import-meta.ts computes locations from the entry's directory.
    outdir: path.dirname(path.join(dist, compiledPath(entry.source))),
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Stack traces point into the TypeScript (node --enable-source-maps); the sources themselves are in git.
    sourcemap: true,
    sourcesContent: false,
    // Bundling renames colliding top-level names; error and class names in logs stay as written.
    keepNames: true,
    metafile: true,
    logLevel: 'warning',
    plugins: [...(root === ROOT ? [] : [workspacesIn(root)]), npmPackagesExternal, mirrorImportMeta(entry.source, root)],
  });
  const packages = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imported of output.imports) {
      if (imported.external && !imported.path.startsWith('node:')) packages.add(packageName(imported.path));
    }
  }
  return { packages, metafile: result.metafile };
}
